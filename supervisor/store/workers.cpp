// The workers table: one row per worker rank per session, from the rank's hello (its host, pid and the
// GPUs it was bound to), and the task_devices view that joins each task to the worker that ran its latest
// attempt. A task row itself carries no device, so the per-task writes (the hot path) stay as they were:
// a session writes one row per worker, once. Like gpu_samples, the table is made by its first write, so
// a store from before it has none and readers treat "no table" as "no devices".
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/store.hpp"

namespace sv::store {

using detail::Statement;

namespace {

// A task's worker rank means something only within the session that dispatched it: the session that
// started last before its dispatch (both times are rank 0's clock). Its latest attempt is the one whose
// worker and dispatch time the task row holds.
constexpr const char* kWorkersSql = R"sql(
CREATE TABLE IF NOT EXISTS workers(
  session INTEGER NOT NULL,
  rank    INTEGER NOT NULL,
  host    TEXT NOT NULL,
  pid     INTEGER NOT NULL,
  devices TEXT NOT NULL,
  time    REAL NOT NULL,
  PRIMARY KEY(session, rank));
CREATE VIEW IF NOT EXISTS task_devices AS
  SELECT t.id AS task_id, w.host AS host, w.devices AS devices
  FROM tasks t JOIN workers w
    ON w.rank = t.worker
   AND w.session = (SELECT max(s.id) FROM sessions s WHERE s.started <= t.dispatch_time)
  WHERE t.dispatch_time > 0;
)sql";

}  // namespace

void Store::add_worker(const WorkerRow& row) {
  require_writable("add_worker");
  sqlite3* db = conn();
  detail::Transaction tx(db, path_);
  detail::exec(db, path_, kWorkersSql);
  // session 0: the latest session, which is this job's (the writer begins its session before any hello).
  Statement insert(db, path_,
                   "INSERT OR REPLACE INTO workers(session, rank, host, pid, devices, time) "
                   "VALUES(COALESCE(NULLIF(?1, 0), (SELECT max(id) FROM sessions), 0), ?2, ?3, ?4, ?5, ?6)");
  insert.bind_row(row.session, row.rank, row.host, row.pid, row.devices, row.time);
  insert.execute();
  tx.commit();
}

std::vector<WorkerRow> Store::workers() const {
  if (!detail::has_table(conn(), path_, "workers")) return {};
  Statement q(conn(), path_, "SELECT session, rank, host, pid, devices, time FROM workers ORDER BY session, rank");
  return detail::read_rows(q, [](const Statement& r) {
    return WorkerRow{r.column_int(0), static_cast<int>(r.column_int(1)), r.column_text(2), r.column_int(3),
                     r.column_text(4), r.column_double(5)};
  });
}

std::unordered_map<std::int64_t, std::string> Store::task_devices() const {
  if (!detail::has_table(conn(), path_, "task_devices")) return {};
  Statement q(conn(), path_, "SELECT task_id, devices FROM task_devices");
  std::unordered_map<std::int64_t, std::string> out;
  while (q.step()) out.emplace(q.column_int(0), q.column_text(1));
  return out;
}

std::string Store::task_device(std::int64_t task_id) const {
  if (!detail::has_table(conn(), path_, "task_devices")) return {};
  Statement q(conn(), path_, "SELECT devices FROM task_devices WHERE task_id = ?1");
  q.bind_int(1, task_id);
  return q.step() ? q.column_text(0) : std::string();
}

}  // namespace sv::store
