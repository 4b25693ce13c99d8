// Store writes: buffered in memory, committed by flush() in one transaction with cached statements.
// The server calls put_task for every state change of every task; batching turns those into one fsync-free
// WAL append per flush instead of one transaction per change.
#include <sqlite3.h>

#include <algorithm>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "store/flush_statements.hpp"
#include "store/store.hpp"

namespace sv::store {
namespace detail {

FlushStatements::FlushStatements(sqlite3* db, const std::string& path)
    : upsert_task(db, path,
                  "INSERT INTO tasks(id, node_id, model, params, params_hash, status, attempts, worker, host, "
                  "submit_time, dispatch_time, start_time, end_time, objective, result, error, result_seq) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
                  // node_id is left out of the SET list: rewriting it would rewrite its UNIQUE index
                  // entry on every update. The WHERE turns a changed node_id into "0 rows changed",
                  // which write_buffers reports, instead of a silent mismatch.
                  "ON CONFLICT(id) DO UPDATE SET model = excluded.model, "
                  "params = excluded.params, params_hash = excluded.params_hash, status = excluded.status, "
                  "attempts = excluded.attempts, worker = excluded.worker, host = excluded.host, "
                  "submit_time = excluded.submit_time, dispatch_time = excluded.dispatch_time, "
                  "start_time = excluded.start_time, end_time = excluded.end_time, "
                  "objective = excluded.objective, result = excluded.result, error = excluded.error, "
                  "result_seq = excluded.result_seq "
                  "WHERE tasks.node_id = excluded.node_id",
                  Lifetime::cached),
      update_task_state(db, path,
                        "UPDATE tasks SET status = ?2, attempts = ?3, worker = ?4, host = ?5, "
                        "submit_time = ?6, dispatch_time = ?7, start_time = ?8, end_time = ?9, "
                        "objective = ?10, result = ?11, error = ?12, result_seq = ?13 "
                        "WHERE id = ?1 AND node_id = ?14",
                        Lifetime::cached),
      insert_metric(db, path,
                    "INSERT INTO metrics(task_id, node_id, attempt, epoch, time, metrics) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                    Lifetime::cached),
      insert_event(db, path, "INSERT INTO events(time, kind, message) VALUES(?1, ?2, ?3)", Lifetime::cached),
      touch_run(db, path, "UPDATE runs SET updated = ?1, status = coalesce(?2, status) WHERE id = 1",
                Lifetime::cached) {}

}  // namespace detail

namespace {

// Only for the error message of a task whose node_id changed: the node the store already has for `id`.
std::string recorded_node(sqlite3* db, const std::string& path, std::int64_t id) {
  detail::Statement q(db, path, "SELECT node_id FROM tasks WHERE id = ?1");
  q.bind_int(1, id);
  return q.step() ? q.column_text(0) : "?";
}

// A task's state columns, in the same order in the upsert (from ?6) and the state update (from ?2).
void bind_state(detail::Statement& s, const TaskRow& r, int first) {
  s.bind_static_text(first, to_string(r.status));
  s.bind_int(first + 1, r.attempts);
  s.bind_int(first + 2, r.worker);
  s.bind_text(first + 3, r.host);
  s.bind_double(first + 4, r.submit_time);
  s.bind_double(first + 5, r.dispatch_time);
  s.bind_double(first + 6, r.start_time);
  s.bind_double(first + 7, r.end_time);
  s.bind_optional(first + 8, r.objective);
  s.bind_text(first + 9, r.result);
  s.bind_text(first + 10, r.error);
  s.bind_int(first + 11, r.result_seq);
}

// Only the latest state of a task is worth writing; a state-only `newer` over a buffered row that still
// carries its params takes them over, so the row is still inserted whole.
void keep_latest(std::unordered_map<std::int64_t, TaskRow>& tasks, TaskRow&& newer) {
  auto [it, added] = tasks.try_emplace(newer.id);
  TaskRow& slot = it->second;
  if (!added && newer.state_only && !slot.state_only) {
    newer.model = std::move(slot.model);
    newer.params = std::move(slot.params);
    newer.params_hash = std::move(slot.params_hash);
    newer.state_only = false;
  }
  slot = std::move(newer);
}
}  // namespace

void Store::put_task(const TaskRow& row) { put_task(TaskRow(row)); }

void Store::put_task(TaskRow&& row) {
  require_writable("put_task");
  keep_latest(buffer().tasks, std::move(row));
}

void Store::add_metric(MetricRow row) {
  require_writable("add_metric");
  buffer().metrics.push_back(std::move(row));
}

void Store::add_event(const std::string& kind, const std::string& message, double time) {
  require_writable("add_event");
  buffer().events.push_back(Event{kind, message, time});
}

void Store::set_run_status(const std::string& status) {
  require_writable("set_run_status");
  buffer().run_status = status;
}

void Store::touch() {
  require_writable("touch");
  buffer().touch = true;
}

std::size_t Store::Buffers::size() const {
  return tasks.size() + metrics.size() + events.size() + (run_status ? 1 : 0) + (touch ? 1 : 0);
}

void Store::Buffers::merge_older(Buffers&& older) {
  for (auto& [id, row] : older.tasks) {
    auto newer = tasks.find(id);
    if (newer == tasks.end()) {
      tasks.emplace(id, std::move(row));
    } else if (newer->second.state_only && !row.state_only) {
      // The newer state goes with the params only the older write carried.
      TaskRow state = std::move(newer->second);
      newer->second = std::move(row);
      keep_latest(tasks, std::move(state));
    }
  }
  auto put_before = [](auto& newer, auto& old) {
    old.insert(old.end(), std::make_move_iterator(newer.begin()), std::make_move_iterator(newer.end()));
    newer = std::move(old);
  };
  put_before(metrics, older.metrics);
  put_before(events, older.events);
  if (!run_status) run_status = std::move(older.run_status);
  touch = touch || older.touch;
}

std::size_t Store::pending_writes() const { return buffers_.size(); }

Store::Buffers& Store::buffer() {
  failure_reported_ = false;  // a new write: what the caller was told about the old ones no longer covers it
  return buffers_;
}

sqlite3* Store::conn() const {
  wait_for_commit();
  return db_;
}

void Store::wait_for_commit() const {
  if (committer_.joinable()) committer_.join();
  if (commit_error_) {
    std::string error = std::move(*commit_error_);
    commit_error_.reset();
    buffers_.merge_older(std::move(committing_));
    committing_ = Buffers{};
    failure_reported_ = true;
    throw core::StoreError(error);
  }
}

std::int64_t Store::begin_session(const SessionInfo& s) {
  require_writable("begin_session");
  detail::Statement insert(conn(), path_,
                           "INSERT INTO sessions(started, ended, workers, host, job_id, status) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  const std::string status = s.status.empty() ? "running" : s.status;
  insert.bind_double(1, s.started);
  insert.bind_double(2, s.ended);
  insert.bind_int(3, s.workers);
  insert.bind_text(4, s.host);
  insert.bind_text(5, s.job_id);
  insert.bind_text(6, status);
  insert.execute();  // autocommit: one statement is its own transaction
  return sqlite3_last_insert_rowid(db_);
}

void Store::set_spec(const std::string& spec_text, const std::string& spec_hash) {
  require_writable("set_spec");
  detail::Statement update(conn(), path_, "UPDATE runs SET spec_text = ?1, spec_hash = ?2 WHERE id = 1");
  update.bind_text(1, spec_text);
  update.bind_text(2, spec_hash);
  update.execute();
}

void Store::end_session(std::int64_t id, const std::string& status, double ended) {
  require_writable("end_session");
  detail::Statement update(conn(), path_, "UPDATE sessions SET status = ?1, ended = ?2 WHERE id = ?3");
  update.bind_text(1, status);
  update.bind_double(2, ended);
  update.bind_int(3, id);
  update.execute();
  if (sqlite3_changes(db_) == 0) {
    throw core::StoreError(path_ + ": end_session: no session " + std::to_string(id) + " in this store");
  }
}

std::vector<std::int64_t> Store::end_unfinished_sessions(const std::string& status, double ended) {
  require_writable("end_unfinished_sessions");
  std::vector<std::int64_t> ids;
  for (const auto& s : sessions()) {
    if (s.status != "running") continue;
    end_session(s.id, status, std::max(ended, s.started));  // never before it began
    ids.push_back(s.id);
  }
  return ids;
}

std::int64_t Store::add_submission(const SubmissionRow& s) {
  require_writable("add_submission");
  detail::Statement insert(conn(), path_,
                           "INSERT INTO submissions(time, scheduler, job_id, script, site, resubmits_left) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  insert.bind_double(1, s.time != 0 ? s.time : core::wall_now());
  insert.bind_text(2, s.scheduler);
  insert.bind_text(3, s.job_id);
  insert.bind_text(4, s.script);
  insert.bind_text(5, s.site);
  insert.bind_int(6, s.resubmits_left);
  insert.execute();  // autocommit, like begin_session: the job exists whether or not the run ever flushes
  return sqlite3_last_insert_rowid(db_);
}

void Store::flush() {
  require_writable("flush");
  try {
    wait_for_commit();
  } catch (const core::StoreError&) {
    // Its writes are buffered again: the commit below retries them, and throws if it fails too.
  }
  if (buffers_.size() == 0) return;
  try {
    commit(buffers_);
  } catch (const core::StoreError&) {
    failure_reported_ = true;  // the caller hears of these writes' failure now
    throw;
  }
  buffers_ = Buffers{};
}

void Store::flush_in_background() {
  require_writable("flush_in_background");
  wait_for_commit();
  if (buffers_.size() == 0) return;
  committing_ = std::move(buffers_);
  buffers_ = Buffers{};
  commit_finished_ = false;
  committer_ = std::thread([this] {
    try {
      commit(committing_);
      committing_ = Buffers{};
    } catch (const std::exception& e) {
      commit_error_ = e.what();
    }
    commit_finished_ = true;
  });
}

void Store::commit(const Buffers& b) {
  const std::size_t count = b.size();
  try {
    if (!flush_stmts_) flush_stmts_ = std::make_unique<detail::FlushStatements>(db_, path_);
    detail::Transaction tx(db_, path_);
    write_buffers(*flush_stmts_, b);
    tx.commit();
  } catch (const core::StoreError& e) {
    // The Transaction has rolled back, so the buffers still describe exactly what is not committed.
    throw core::StoreError(std::string(e.what()) + " (flush of " + std::to_string(count) +
                           " buffered writes rolled back; they stay buffered for the next flush)");
  }
}

void Store::write_buffers(detail::FlushStatements& st, const Buffers& b) {
  // Tasks in id order: appends and updates then walk the table's B-tree pages in sequence.
  std::vector<const TaskRow*> tasks;
  tasks.reserve(b.tasks.size());
  for (const auto& entry : b.tasks) tasks.push_back(&entry.second);
  std::sort(tasks.begin(), tasks.end(), [](const TaskRow* a, const TaskRow* b) { return a->id < b->id; });

  auto& t = st.upsert_task;
  auto& u = st.update_task_state;
  for (const TaskRow* row : tasks) {
    if (row->state_only) {
      u.bind_int(1, row->id);
      bind_state(u, *row, 2);
      u.bind_text(14, row->node_id);
      u.execute();
    } else {
      t.bind_int(1, row->id);
      t.bind_text(2, row->node_id);
      t.bind_text(3, row->model);
      t.bind_text(4, row->params);
      t.bind_text(5, row->params_hash);
      bind_state(t, *row, 6);
      t.execute();
    }
    if (sqlite3_changes(db_) == 0) {
      throw core::StoreError(path_ + ": task " + std::to_string(row->id) + " is recorded for node '" +
                             recorded_node(db_, path_, row->id) + "', not '" + row->node_id +
                             "'; a task id belongs to one node for the whole run");
    }
  }
  auto& m = st.insert_metric;
  for (const MetricRow& row : b.metrics) {
    m.bind_int(1, row.task_id);
    m.bind_text(2, row.node_id);
    m.bind_int(3, row.attempt);
    m.bind_int(4, row.epoch);
    m.bind_double(5, row.time);
    m.bind_text(6, row.metrics);
    m.execute();
  }
  auto& e = st.insert_event;
  for (const Event& row : b.events) {
    e.bind_double(1, row.time);
    e.bind_text(2, row.kind);
    e.bind_text(3, row.message);
    e.execute();
  }
  st.touch_run.bind_double(1, core::wall_now());
  if (b.run_status) {
    st.touch_run.bind_text(2, *b.run_status);
  } else {
    st.touch_run.bind_null(2);
  }
  st.touch_run.execute();
}

}  // namespace sv::store
