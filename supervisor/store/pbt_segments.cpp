// The pbt_segments table: one row per PBT segment, written when the segment is created and given its score
// when it finishes (the lineage and each member's hyperparameter schedule, for resume and the report).
// Created by the first write, like prune_decisions, so runs without PBT have no such table and readers
// treat "no table" as "no PBT". The columns are a contract with supervisor/report: do not change them.
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/store.hpp"

namespace sv::store {

using detail::Statement;
using detail::Transaction;

void Store::add_pbt_segment(const PbtSegmentRow& r) {
  require_writable("add_pbt_segment");
  sqlite3* db = conn();
  Transaction tx(db, path_);
  detail::exec(db, path_,
               "CREATE TABLE IF NOT EXISTS pbt_segments("
               "  task_id INTEGER PRIMARY KEY, member INTEGER NOT NULL, segment INTEGER NOT NULL,"
               "  start_epoch INTEGER NOT NULL, end_epoch INTEGER NOT NULL, parent_task_id INTEGER NULL,"
               "  parent_member INTEGER NULL, exploited INTEGER NOT NULL, params TEXT NOT NULL, score REAL NULL,"
               "  UNIQUE(member, segment))");
  Statement insert(db, path_,
                   "INSERT INTO pbt_segments(task_id, member, segment, start_epoch, end_epoch, parent_task_id,"
                   " parent_member, exploited, params, score) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  insert.bind_int(1, r.task_id);
  insert.bind_int(2, r.member);
  insert.bind_int(3, r.segment);
  insert.bind_int(4, r.start_epoch);
  insert.bind_int(5, r.end_epoch);
  if (r.parent_task_id) insert.bind_int(6, *r.parent_task_id); else insert.bind_null(6);
  if (r.parent_member) insert.bind_int(7, *r.parent_member); else insert.bind_null(7);
  insert.bind_int(8, r.exploited ? 1 : 0);
  insert.bind_text(9, r.params);
  insert.bind_optional(10, r.score);
  insert.execute();
  tx.commit();
}

void Store::set_pbt_score(std::int64_t task_id, std::optional<double> score) {
  require_writable("set_pbt_score");
  sqlite3* db = conn();
  Transaction tx(db, path_);
  Statement update(db, path_, "UPDATE pbt_segments SET score = ?1 WHERE task_id = ?2");
  update.bind_optional(1, score);
  update.bind_int(2, task_id);
  update.execute();
  tx.commit();
}

std::vector<PbtSegmentRow> Store::pbt_segments() const {
  if (!detail::has_table(conn(), path_, "pbt_segments")) return {};
  Statement q(conn(), path_,
              "SELECT task_id, member, segment, start_epoch, end_epoch, parent_task_id, parent_member, exploited,"
              " params, score FROM pbt_segments ORDER BY task_id");
  std::vector<PbtSegmentRow> out;
  while (q.step()) {
    PbtSegmentRow r;
    r.task_id = q.column_int(0);
    r.member = static_cast<int>(q.column_int(1));
    r.segment = static_cast<int>(q.column_int(2));
    r.start_epoch = static_cast<int>(q.column_int(3));
    r.end_epoch = static_cast<int>(q.column_int(4));
    if (auto parent = q.column_optional(5)) r.parent_task_id = static_cast<std::int64_t>(*parent);
    if (auto member = q.column_optional(6)) r.parent_member = static_cast<int>(*member);
    r.exploited = q.column_int(7) != 0;
    r.params = q.column_text(8);
    r.score = q.column_optional(9);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sv::store
