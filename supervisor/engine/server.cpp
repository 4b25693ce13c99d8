#include "engine/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "engine/lost_start.hpp"
#include "engine/task_row.hpp"

namespace sv::engine {

namespace {
// CPU seconds of this process, all threads (the SQLite committer included).
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Peak resident memory of this process (Linux reports ru_maxrss in KiB).
double peak_memory_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Keep this many nodes ready so workers never wait on the workflow to produce more.
constexpr std::size_t kReadyLowWater = 1024;
// Backpressure: while this many task rows wait for the store (changed, or buffered but not committed), the
// workflow adds no nodes. A store slower than dispatch (ten million no-op tasks) would otherwise hold an
// ever longer backlog of finished nodes and rows in memory; this way the server's memory stays bounded and
// the run goes at the store's pace, which is the pace of results counting as done anyway.
constexpr std::size_t kMaxUnstoredRows = 100000;
// A live server stamps its store at least this often (runs.updated), even when no task changes.
constexpr double kAliveStampS = 10;
// Messages handled per round before dispatching again, so results keep flowing to idle workers.
constexpr int kMessagesPerRound = 256;
}  // namespace

Server::Server(balancer::Dispatcher& dispatcher, store::Store& store, Workflow& workflow, ServerOptions options)
    : dispatcher_(dispatcher), store_(store), workflow_(workflow), options_(std::move(options)) {
  dispatcher_.attach(*this);
}

void Server::mark_dirty(std::size_t index) {
  TaskRecord& t = graph_.record(index);
  NodeState s = graph_.node(index).state;
  if (s == NodeState::done || s == NodeState::failed) ++dirty_final_;  // a node ends once
  t.changed_at = now_;
  if (!t.dirty) {
    t.dirty = true;
    dirty_.push_back(index);
  }
}

void Server::write_dirty_rows(double settled_before) {
  std::size_t kept = 0;
  for (std::size_t index : dirty_) {
    const Node& n = graph_.node(index);
    TaskRecord& t = graph_.record(index);
    bool final = n.state == NodeState::done || n.state == NodeState::failed;
    if (!final && t.changed_at > settled_before) {
      dirty_[kept++] = index;  // pending or running for a moment only: written with its next state
      continue;
    }
    static const std::string no_host;
    const std::string& host = t.worker >= 0 && t.worker < dispatcher_.size() ? dispatcher_.worker(t.worker).host : no_host;
    // A temporary: moved into the store's buffer.
    store_.put_task(task_row(n, static_cast<std::int64_t>(task_id_of(index)), options_.models[n.def.model].name, host));
    t.in_store = true;
    t.dirty = false;
    if (final && !workflow_.reads_finished_nodes()) graph_.forget(index);  // the store has all of it now
  }
  dirty_.resize(kept);
  dirty_final_ = 0;
}

void Server::flush() {
  write_dirty_rows(std::numeric_limits<double>::infinity());
  store_.flush();
}

void Server::note_best(const std::optional<double>& objective) {
  if (objective && std::isfinite(*objective) &&
      (!best_ || (options_.minimize ? *objective < *best_ : *objective > *best_)))
    best_ = objective;
}

balancer::TaskToSend Server::on_task_sent(std::uint64_t task_id, int worker) {
  std::size_t index = index_of(task_id);
  TaskRecord& t = graph_.record(index);
  ++t.attempts;
  t.worker = worker;
  t.dispatch_time = now_;
  t.reported_epoch = false;
  t.stop_sent = false;
  graph_.mark_running(index);
  mark_dirty(index);
  const Node& n = graph_.node(index);
  return balancer::TaskToSend{n.def.model, static_cast<std::uint32_t>(t.attempts), n.def.id, n.def.params};
}

void Server::on_task_result(std::uint64_t task_id, int worker, core::TaskResult&& r) {
  std::size_t index = index_of(task_id);
  if (!graph_.holds(index)) return;
  TaskRecord& t = graph_.record(index);
  if (r.start_time == 0) r.start_time = t.dispatch_time;  // a stuck task the worker gave up on
  const core::Outcome outcome = r.outcome;

  if (outcome == core::Outcome::ok || outcome == core::Outcome::pruned) {
    t.result_seq = ++result_seq_;
    // A pruned trial is finished for good with the value it reached (the optimizer learns it); only full
    // trainings set the best.
    if (outcome == core::Outcome::ok) note_best(r.objective);
    if (r.objective && !std::isfinite(*r.objective) && outcome == core::Outcome::pruned) r.objective.reset();
    graph_.mark_done(index, std::move(r));
    mark_dirty(index);
  } else {
    // The attempt's times, objective and error stay visible in the row; its partial result does not.
    core::TaskResult& o = graph_.outcome(index);
    o = std::move(r);
    o.result.clear();
    if (outcome == core::Outcome::interrupted) {
      // Stopped at the job's request (walltime drain): it left a checkpoint and resumes; not a failure.
      graph_.requeue(index);
      mark_dirty(index);
      return;
    }
    const Node& n = graph_.node(index);
    if (++t.failures <= options_.models[n.def.model].retries) {
      graph_.requeue(index);  // waits for its next attempt; the error stays visible
    } else {
      t.result_seq = ++result_seq_;
      graph_.mark_failed(index, o.error);
    }
    mark_dirty(index);
  }
  workflow_.on_node_ran(index, worker);
  if (graph_.node(index).state != NodeState::ready) workflow_.on_node_finished(graph_, index);
}

void Server::on_task_progress(std::uint64_t task_id, int, double time, std::string&& payload) {
  std::size_t index = index_of(task_id);
  if (!graph_.holds(index)) return;  // a late word from a task already finished and forgotten
  store::MetricRow row;
  row.task_id = static_cast<std::int64_t>(task_id);
  row.node_id = graph_.node(index).def.id;
  row.attempt = graph_.node(index).record.attempts;
  row.time = time;
  auto j = core::Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  bool has_epoch = false;
  if (j.is_object()) {
    auto e = j.find("epoch");
    has_epoch = e != j.end() && e->is_number();
    if (has_epoch) row.epoch = e->get<int>();
  }
  const int epoch = row.epoch;
  row.metrics = std::move(payload);
  store_.add_metric(std::move(row));
  // The pruner judges each epoch report; a stop decision stops this task.
  if (!has_epoch) return;
  graph_.record(index).reported_epoch = true;
  if (pruning_ && graph_.node(index).state == NodeState::running &&
      pruning_->on_report(static_cast<std::int64_t>(task_id), graph_.node(index).def.id, epoch, j, time))
    stop_task(task_id);
}

void Server::set_pruning(std::unique_ptr<Pruning> pruning) {
  pruning_ = std::move(pruning);
  if (pruning_) pruning_->restore();
}

bool Server::stop_task(std::uint64_t task_id) {
  std::size_t index = index_of(task_id);
  if (!graph_.holds(index)) return false;
  TaskRecord& t = graph_.record(index);
  if (graph_.node(index).state != NodeState::running || !t.reported_epoch || t.stop_sent) return false;
  if (!dispatcher_.stop_task(task_id)) return false;
  t.stop_sent = true;
  return true;
}

void Server::on_worker_joined(int worker, const balancer::WorkerInfo& info) {
  store_.add_worker(store::WorkerRow{0, worker, info.host, info.pid, info.devices, core::wall_now()});
}

void Server::on_gpu_samples(int, std::string&& payload) {
  if (options_.on_gpu_samples) options_.on_gpu_samples(payload);
}

void Server::on_worker_fatal(int worker, const std::string& message) {
  std::string msg = dispatcher_.describe(worker) + " could not start: " + message;
  store_.add_event("fatal", msg, core::wall_now());
  if (!fatal_) fatal_ = msg;
}

void Server::on_tasks_returned(balancer::ReturnedTasks&& r) {
  const char* where = draining_ ? "on resume" : "elsewhere";
  std::string event = r.who + " " + r.why + "; " + std::to_string(r.tasks.size()) + " task(s) run again " + where;
  store_.add_event(r.kind, event, core::wall_now());
  std::fprintf(stderr, "supervisor: %s\n", event.c_str());
  for (auto task_id : r.tasks) {
    std::size_t index = index_of(task_id);
    // A start lost with its worker is not an attempt; the loss is recorded (lost_start.hpp).
    TaskRecord& t = graph_.record(index);
    t.attempts = attempts_without_lost_start(t.attempts);
    store_.add_event("task_lost", lost_start_message(task_id, graph_.node(index).def.id, r.who, r.why), core::wall_now());
    graph_.outcome(index).error = r.who + " " + r.why + " while it held this task; it runs again " + where;
    graph_.requeue(index);
    mark_dirty(index);
  }
  if (std::strcmp(r.kind, "lost") == 0 && dispatcher_.worker_count() == 0 && !fatal_)
    fatal_ = "every worker was lost (see the `lost` events); resume the run on healthy nodes";
}

void Server::begin_drain(const std::string& why) {
  draining_ = true;
  dispatcher_.close_gate();
  drain_reason_ = why;
  const double now = core::wall_now();
  drain_started_ = now;
  hard_stop_at_ = now + std::max(0.0, options_.drain_grace_s);
  if (options_.stop_at > 0) hard_stop_at_ = std::min(hard_stop_at_, std::max(now, options_.stop_at));
  store_.add_event("drain", why + ": no new tasks; running models asked to checkpoint", now);
}

void Server::stop_busy_workers() {
  // Past the grace, or at stop_at when the walltime comes first.
  const bool graced = options_.stop_at <= 0 || hard_stop_at_ < options_.stop_at;
  char why[200];
  std::snprintf(why, sizeof why, "was still running a model %.0f s into the drain (%s); stopped hard",
                std::max(0.0, core::wall_now() - drain_started_),
                graced ? "resources.drain_grace_s" : "the walltime is near");
  dispatcher_.release_busy_workers(why, "drain");
}

const Node* Server::node_of(std::uint64_t task_id) const {
  std::size_t index = index_of(task_id);
  return graph_.holds(index) ? &graph_.node(index) : nullptr;
}

std::uint64_t Server::task_id_of(std::size_t index) const {
  if (!remap_) return static_cast<std::uint64_t>(index) + 1;
  if (ids_.size() <= index) ids_.resize(graph_.size(), 0);
  if (ids_[index] == 0) {
    auto it = recorded_ids_.find(graph_.node(index).def.id);
    ids_[index] = it != recorded_ids_.end() ? static_cast<std::uint64_t>(it->second) : next_task_id_++;
    indexes_[ids_[index]] = index;
  }
  return ids_[index];
}

std::size_t Server::index_of(std::uint64_t task_id) const {
  if (!remap_) return static_cast<std::size_t>(task_id) - 1;
  auto it = indexes_.find(task_id);
  return it == indexes_.end() ? static_cast<std::size_t>(-1) : it->second;
}

void Server::restore(std::vector<store::TaskRow> rows) {
  // A node keeps its recorded task id: nodes of dynamic workflows come up in another order in a new
  // session, so ids cannot follow the order nodes are added in.
  for (const auto& row : rows) {
    recorded_ids_[row.node_id] = row.id;
    next_task_id_ = std::max<std::uint64_t>(next_task_id_, static_cast<std::uint64_t>(row.id) + 1);
  }
  remap_ = !rows.empty();
  for (auto& row : rows) {
    result_seq_ = std::max(result_seq_, row.result_seq);
    restored_.emplace(row.node_id, std::move(row));
  }
}

bool Server::try_restore(std::size_t index) {
  auto it = restored_.find(graph_.node(index).def.id);
  if (it == restored_.end()) return false;
  store::TaskRow row = std::move(it->second);
  restored_.erase(it);
  const Node& n = graph_.node(index);
  TaskRecord& t = graph_.record(index);
  t.attempts = row.attempts;
  // `running` in the store = a start lost with its killed session, not an attempt.
  if (row.status == store::TaskStatus::running) t.attempts = attempts_without_lost_start(t.attempts);
  t.submit_time = row.submit_time;
  const bool same_params = row.params_hash == n.params_hash;
  // The row's params stand unless a forced resume changed them (or the model's name): then it is rewritten.
  t.in_store = same_params && row.model == options_.models[n.def.model].name;
  // A pruned task is finished for good: it is never run again.
  bool final = row.status == store::TaskStatus::done || row.status == store::TaskStatus::failed ||
               row.status == store::TaskStatus::pruned;
  if (!final || !same_params) {
    // Unfinished when the last session ended (or re-parameterized by a forced resume): run it again.
    if (!same_params) t.attempts = 0;
    return false;
  }
  t.worker = row.worker;
  t.dispatch_time = row.dispatch_time;
  ++restored_count_;
  if (row.status == store::TaskStatus::pruned) {
    graph_.mark_done(index, std::move(row.result), row.objective);
    graph_.outcome(index).outcome = core::Outcome::pruned;
  } else if (row.status == store::TaskStatus::done) {
    note_best(row.objective);
    graph_.mark_done(index, std::move(row.result), row.objective);
  } else {
    graph_.mark_failed(index, std::move(row.error));
  }
  workflow_.on_node_restored(graph_, index);
  if (!workflow_.reads_finished_nodes()) graph_.forget(index);
  return true;
}

std::size_t Server::pump() {
  now_ = core::wall_now();
  workflow_.poll(graph_);
  const bool store_behind = dirty_.size() + store_.pending_writes() >= kMaxUnstoredRows;
  if (!store_behind && graph_.counts().ready < kReadyLowWater && !workflow_.exhausted())
    workflow_.top_up(graph_, kReadyLowWater);
  for (auto index : graph_.take_cascaded_failures()) {
    mark_dirty(index);
    workflow_.on_node_finished(graph_, index);
  }
  auto ready = graph_.take_ready();
  if (!ready.empty()) {
    const double now = now_;
    for (auto index : ready) {
      if (!restored_.empty() && try_restore(index)) continue;
      const Node& n = graph_.node(index);
      TaskRecord& t = graph_.record(index);
      if (t.submit_time == 0) {
        t.submit_time = now;
        if (t.attempts == 0) mark_dirty(index);  // pending
      }
      dispatcher_.enqueue(balancer::ReadyTask{task_id_of(index), n.def.priority, n.def.preferred_worker});
    }
  }
  std::size_t sent = dispatcher_.dispatch_ready();
  dispatches_ += sent;
  return sent;
}

bool Server::finished() const {
  if (fatal_ || workflow_.fatal()) return true;
  if (draining_) return dispatcher_.in_flight_count() == 0 || core::wall_now() >= hard_stop_at_;
  return workflow_.exhausted() && graph_.counts().unfinished() == 0 && dispatcher_.in_flight_count() == 0;
}

Progress Server::progress() const {
  Progress p;
  p.counts = graph_.counts();
  p.expected_total = workflow_.expected_total();
  p.best = best_;
  p.elapsed = core::mono_now() - started_;
  p.workers = dispatcher_.worker_count();
  return p;
}

void Server::start() {
  started_ = core::mono_now();
  workflow_.record_event = [this](const std::string& kind, const std::string& message) {
    store_.add_event(kind, message, core::wall_now());
  };
  // pbt hooks (engine/workflow.hpp): task ids of added nodes, a recorded id kept, every row committed now.
  workflow_.task_id_of = [this](std::size_t index) { return static_cast<std::int64_t>(task_id_of(index)); };
  workflow_.reserve_task_id = [this](const std::string& node_id, std::int64_t id) {
    remap_ = true;  // only before any id is handed out (Workflow::start), so none changes
    recorded_ids_.emplace(node_id, id);
    next_task_id_ = std::max<std::uint64_t>(next_task_id_, static_cast<std::uint64_t>(id) + 1);
  };
  workflow_.commit_now = [this] { flush(); };
  workflow_.start(graph_);
}

RunOutcome Server::run() {
  try {
    return run_loop();
  } catch (...) {
    write_dirty_rows(std::numeric_limits<double>::infinity());  // the caller commits what the store holds
    throw;
  }
}

RunOutcome Server::run_loop() {
  const double cpu_at_start = process_cpu_s();
  start();
  balancer::Backoff backoff(options_.max_sleep_us);
  double last_flush = started_, last_tick = started_;
  while (true) {
    bool active = dispatcher_.poll(kMessagesPerRound) > 0;
    if (!draining_) {
      if (options_.drain_at > 0 && core::wall_now() >= options_.drain_at) {
        begin_drain("walltime drain");
      } else if (options_.drain_requested) {
        if (std::string why = options_.drain_requested(); !why.empty()) begin_drain(why);
      }
    }
    if (pump() > 0) active = true;
    if (finished()) break;

    double now = core::mono_now();
    // Commits run on the store's thread, one at a time: while one is writing, rows pile up for the next,
    // so under load SQLite writes continuously in batches and the dispatch loop never waits for it.
    if ((now - last_flush >= options_.flush_interval_s ||
         dirty_final_ + store_.pending_writes() >= options_.flush_max_writes) &&
        !store_.commit_in_flight()) {
      // A short task is written once, when it ends; one still pending or running after a flush
      // interval is written in that state too, so `status` shows what runs.
      write_dirty_rows(core::wall_now() - options_.flush_interval_s);
      store_.flush_in_background();  // SQLite writes on another core while dispatch goes on
      last_flush = now;
    }
    if (now - last_tick >= 1.0) {
      dispatcher_.check_lost_workers(now);
      // Alive stamp: `status` reads a run whose store has not changed for a while as probably killed.
      if (now - last_flush >= kAliveStampS) store_.touch();
      if (options_.on_progress) options_.on_progress(progress());
      if (options_.on_tick) options_.on_tick();
      last_tick = now;
    }
    if (active) {
      backoff.reset();
    } else {
      backoff.idle();
    }
  }
  // A model that ignores should_stop() must not keep the job past its drain: its worker is given up.
  if (draining_ && dispatcher_.in_flight_count() > 0) stop_busy_workers();
  if (draining_) workflow_.finish_by = options_.stop_at;
  workflow_.finish(graph_);
  dispatcher_.shutdown_workers();
  if (options_.on_tick) options_.on_tick();
  if (!fatal_ && workflow_.fatal()) {
    fatal_ = workflow_.fatal();
    store_.add_event("fatal", *fatal_, core::wall_now());
  }
  // What one task costs the server, for sizing a job (BENCHMARKS.md projects workers per server from it).
  const double cpu = process_cpu_s() - cpu_at_start;
  if (dispatches_ > 0) {
    char line[200];
    std::snprintf(line, sizeof line, "server CPU %.3f s for %zu dispatches (%.2f us each); peak memory %.0f MB",
                  cpu, dispatches_, 1e6 * cpu / static_cast<double>(dispatches_), peak_memory_mb());
    store_.add_event("engine", line, core::wall_now());
  }
  flush();

  RunOutcome out;
  out.ok = !fatal_;
  out.drained = draining_ && !fatal_ && (graph_.counts().unfinished() > 0 || !workflow_.exhausted());
  if (fatal_) out.fatal_message = *fatal_;
  if (draining_) out.drain_reason = drain_reason_;
  out.counts = graph_.counts();
  out.elapsed = core::mono_now() - started_;
  out.best = best_;
  out.lost_workers = dispatcher_.lost_count();
  out.lost_processes = dispatcher_.lost_processes();
  if (options_.on_progress) options_.on_progress(progress());
  return out;
}

}  // namespace sv::engine
