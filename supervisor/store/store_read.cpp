// Store reads. Each prepares its statement per call: reads serve `status`, `report` and restart, not the
// per-task hot path, and a read_only Store may live in a process that reads once and exits.
#include <string>

#include "core/errors.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/store.hpp"

namespace sv::store {
namespace {

using detail::Statement;

// Every task query selects these columns, in the order read_task expects. SQL text below is built only
// from such constants, never from data. A version-1 store may lack result_seq: it then reads as 0
// ("none yet") until a writer opens the store and numbers its results (detail::migrate_schema).
std::string task_query(bool has_result_seq, const std::string& rest) {
  return std::string("SELECT id, node_id, model, params, params_hash, status, attempts, worker, host, "
                     "submit_time, dispatch_time, start_time, end_time, objective, result, error, ") +
         (has_result_seq ? "result_seq" : "0 AS result_seq") + " FROM tasks " + rest;
}

TaskRow read_task(const Statement& q) {
  TaskRow row;
  row.id = q.column_int(0);
  row.node_id = q.column_text(1);
  row.model = q.column_text(2);
  row.params = q.column_text(3);
  row.params_hash = q.column_text(4);
  row.status = task_status_from_string(q.column_text(5));
  row.attempts = static_cast<int>(q.column_int(6));
  row.worker = static_cast<int>(q.column_int(7));
  row.host = q.column_text(8);
  row.submit_time = q.column_double(9);
  row.dispatch_time = q.column_double(10);
  row.start_time = q.column_double(11);
  row.end_time = q.column_double(12);
  row.objective = q.column_optional(13);
  row.result = q.column_text(14);
  row.error = q.column_text(15);
  row.result_seq = q.column_int(16);
  return row;
}

std::vector<TaskRow> read_tasks(Statement& q) {
  std::vector<TaskRow> rows;
  while (q.step()) rows.push_back(read_task(q));
  return rows;
}

}  // namespace

RunInfo Store::run() const {
  Statement q(conn(), path_,
              "SELECT name, workflow, spec_text, spec_hash, spec_path, out_dir, status, created, updated "
              "FROM runs WHERE id = 1");
  if (!q.step()) throw core::StoreError(path_ + ": the run store has no run row (was its creation interrupted?)");
  RunInfo run;
  run.name = q.column_text(0);
  run.workflow = q.column_text(1);
  run.spec_text = q.column_text(2);
  run.spec_hash = q.column_text(3);
  run.spec_path = q.column_text(4);
  run.out_dir = q.column_text(5);
  run.status = q.column_text(6);
  run.created = q.column_double(7);
  run.updated = q.column_double(8);
  return run;
}

std::vector<SessionInfo> Store::sessions() const {
  Statement q(conn(), path_,
              "SELECT id, started, ended, workers, host, job_id, status FROM sessions ORDER BY id");
  std::vector<SessionInfo> out;
  while (q.step()) {
    SessionInfo s;
    s.id = q.column_int(0);
    s.started = q.column_double(1);
    s.ended = q.column_double(2);
    s.workers = static_cast<int>(q.column_int(3));
    s.host = q.column_text(4);
    s.job_id = q.column_text(5);
    s.status = q.column_text(6);
    out.push_back(std::move(s));
  }
  return out;
}

StatusCounts Store::counts() const {
  // Done tasks are left out of the status index (see schema.cpp): count the rest through it, and the
  // done ones as the total minus the rest (count(*) walks the table's pages without decoding rows).
  Statement q(conn(), path_, "SELECT status, count(*) FROM tasks WHERE status <> 'done' GROUP BY status");
  Statement total(conn(), path_, "SELECT count(*) FROM tasks");
  StatusCounts c;
  total.step();
  c.done = total.column_int(0);
  while (q.step()) {
    const std::int64_t n = q.column_int(1);
    switch (task_status_from_string(q.column_text(0))) {
      case TaskStatus::pending: c.pending = n; c.done -= n; break;
      case TaskStatus::running: c.running = n; c.done -= n; break;
      case TaskStatus::done: break;
      case TaskStatus::failed: c.failed = n; c.done -= n; break;
      case TaskStatus::canceled: c.canceled = n; c.done -= n; break;
      case TaskStatus::pruned: c.pruned = n; c.done -= n; break;
    }
  }
  return c;
}

std::vector<TaskRow> Store::tasks() const {
  Statement q(conn(), path_, task_query(has_result_seq_, "ORDER BY id").c_str());
  return read_tasks(q);
}

std::vector<TaskRow> Store::tasks_with_status(TaskStatus s, int limit) const {
  Statement q(conn(), path_, task_query(has_result_seq_, "WHERE status = ?1 ORDER BY id LIMIT ?2").c_str());
  q.bind_static_text(1, to_string(s));
  q.bind_int(2, limit < 0 ? -1 : limit);  // SQLite reads a negative LIMIT as "no limit"
  return read_tasks(q);
}

std::vector<TaskRow> Store::best_tasks(int limit, bool minimize) const {
  // The direction cannot be a bound parameter, so it picks between two constant texts. Ties go to the
  // earlier task, so the answer is stable across calls.
  const std::string order = minimize ? "ORDER BY objective ASC, id" : "ORDER BY objective DESC, id";
  Statement q(conn(), path_,
              task_query(has_result_seq_, "WHERE status = 'done' AND objective IS NOT NULL " + order + " LIMIT ?1")
                  .c_str());
  q.bind_int(1, limit < 0 ? -1 : limit);  // SQLite reads a negative LIMIT as "no limit"
  return read_tasks(q);
}

std::optional<TaskRow> Store::task_by_node(const std::string& node_id) const {
  Statement q(conn(), path_, task_query(has_result_seq_, "WHERE node_id = ?1").c_str());
  q.bind_text(1, node_id);
  if (!q.step()) return std::nullopt;
  return read_task(q);
}

std::vector<MetricRow> Store::metrics(const std::string& node_id) const {
  const char* sql = node_id.empty()
                        ? "SELECT task_id, node_id, attempt, epoch, time, metrics FROM metrics "
                          "ORDER BY task_id, epoch, id"
                        : "SELECT task_id, node_id, attempt, epoch, time, metrics FROM metrics "
                          "WHERE node_id = ?1 ORDER BY task_id, epoch, id";
  Statement q(conn(), path_, sql);
  if (!node_id.empty()) q.bind_text(1, node_id);
  std::vector<MetricRow> out;
  while (q.step()) {
    MetricRow m;
    m.task_id = q.column_int(0);
    m.node_id = q.column_text(1);
    m.attempt = static_cast<int>(q.column_int(2));
    m.epoch = static_cast<int>(q.column_int(3));
    m.time = q.column_double(4);
    m.metrics = q.column_text(5);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<EventRow> Store::events() const {
  Statement q(conn(), path_, "SELECT time, kind, message FROM events ORDER BY id");
  std::vector<EventRow> out;
  while (q.step()) {
    EventRow e;
    e.time = q.column_double(0);
    e.kind = q.column_text(1);
    e.message = q.column_text(2);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<SubmissionRow> Store::submissions() const {
  // A store made before the table existed (version 1 was extended while unreleased) has no submissions.
  if (!detail::has_table(conn(), path_, "submissions")) return {};
  Statement q(conn(), path_,
              "SELECT id, time, scheduler, job_id, script, site, resubmits_left FROM submissions ORDER BY id");
  std::vector<SubmissionRow> out;
  while (q.step()) {
    SubmissionRow s;
    s.id = q.column_int(0);
    s.time = q.column_double(1);
    s.scheduler = q.column_text(2);
    s.job_id = q.column_text(3);
    s.script = q.column_text(4);
    s.site = q.column_text(5);
    s.resubmits_left = static_cast<int>(q.column_int(6));
    out.push_back(std::move(s));
  }
  return out;
}

int Store::schema_version() const { return detail::read_schema_version(conn(), path_); }

}  // namespace sv::store
