// The prune_decisions table: every decision a pruner made (which task, at which epoch, against which rung
// values). Created by the first write, like gpu_samples, so runs without a pruner have no such table and
// readers treat "no table" as "no decisions".
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/store.hpp"

namespace sv::store {

using detail::Statement;
using detail::Transaction;

void Store::add_prune_decision(const PruneDecisionRow& r) {
  require_writable("add_prune_decision");
  sqlite3* db = conn();
  Transaction tx(db, path_);
  detail::exec(db, path_,
               "CREATE TABLE IF NOT EXISTS prune_decisions("
               "  id INTEGER PRIMARY KEY, time REAL NOT NULL, task_id INTEGER NOT NULL, node_id TEXT NOT NULL,"
               "  epoch INTEGER NOT NULL, rung INTEGER NOT NULL, rung_epoch INTEGER NOT NULL,"
               "  decision TEXT NOT NULL CHECK(decision = 'continue' OR decision = 'stop'), pruner TEXT NOT NULL,"
               "  trial_values TEXT NOT NULL, rung_values TEXT NOT NULL)");
  Statement insert(db, path_,
                   "INSERT INTO prune_decisions(time, task_id, node_id, epoch, rung, rung_epoch, decision, pruner,"
                   " trial_values, rung_values) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  insert.bind_double(1, r.time);
  insert.bind_int(2, r.task_id);
  insert.bind_text(3, r.node_id);
  insert.bind_int(4, r.epoch);
  insert.bind_int(5, r.rung);
  insert.bind_int(6, r.rung_epoch);
  insert.bind_static_text(7, r.stop ? "stop" : "continue");
  insert.bind_text(8, r.pruner);
  insert.bind_text(9, r.values);
  insert.bind_text(10, r.rung_values);
  insert.execute();
  tx.commit();
}

std::vector<PruneDecisionRow> Store::prune_decisions() const {
  if (!detail::has_table(conn(), path_, "prune_decisions")) return {};
  Statement q(conn(), path_,
              "SELECT time, task_id, node_id, epoch, rung, rung_epoch, decision, pruner, trial_values, rung_values"
              " FROM prune_decisions ORDER BY id");
  std::vector<PruneDecisionRow> out;
  while (q.step()) {
    PruneDecisionRow r;
    r.time = q.column_double(0);
    r.task_id = q.column_int(1);
    r.node_id = q.column_text(2);
    r.epoch = static_cast<int>(q.column_int(3));
    r.rung = static_cast<int>(q.column_int(4));
    r.rung_epoch = static_cast<int>(q.column_int(5));
    r.stop = q.column_text(6) == "stop";
    r.pruner = q.column_text(7);
    r.values = q.column_text(8);
    r.rung_values = q.column_text(9);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sv::store
