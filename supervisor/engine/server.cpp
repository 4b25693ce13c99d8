#include "engine/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "engine/lost_start.hpp"

namespace sv::engine {

using balancer::MsgType;

namespace {
// CPU seconds of this process, all threads (the SQLite committer included).
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Keep this many nodes ready so workers never wait on the workflow to produce more.
constexpr std::size_t kReadyLowWater = 1024;
// A live server stamps its store at least this often (runs.updated), even when no task changes.
constexpr double kAliveStampS = 10;
// Messages handled per round before dispatching again, so results keep flowing to idle workers.
constexpr int kMessagesPerRound = 256;
}  // namespace

Server::Server(balancer::Comm& comm, store::Store& store, Workflow& workflow, ServerOptions options)
    : comm_(comm),
      store_(store),
      workflow_(workflow),
      options_(std::move(options)),
      balancer_(balancer::BalancerOptions{options_.slots_per_worker}),
      hosts_(static_cast<std::size_t>(comm.size())),
      last_heard_(static_cast<std::size_t>(comm.size()), 0.0),
      pids_(static_cast<std::size_t>(comm.size()), 0),
      lost_(static_cast<std::size_t>(comm.size()), false),
      outbox_(static_cast<std::size_t>(comm.size())) {}

void Server::on_message(int source, std::string_view bytes) {
  if (source >= 0 && static_cast<std::size_t>(source) < last_heard_.size()) {
    if (lost_[source]) return;  // gave up on it: its tasks run elsewhere; late words change nothing
    last_heard_[source] = core::mono_now();
  }
  balancer::decode_each(bytes, [&](balancer::Message&& m) {
    if (auto* r = std::get_if<balancer::ResultMsg>(&m)) {
      on_result(source, *r);
    } else if (auto* p = std::get_if<balancer::ProgressMsg>(&m)) {
      on_progress(source, *p);
    } else if (auto* h = std::get_if<balancer::HelloMsg>(&m)) {
      on_hello(source, *h);
    } else if (auto* f = std::get_if<balancer::FatalMsg>(&m)) {
      on_fatal(source, *f);
    } else if (auto* r = std::get_if<balancer::RetireMsg>(&m)) {
      on_retire(source, *r);
    } else if (auto* g = std::get_if<balancer::GpuSamplesMsg>(&m)) {  // [gpu2] another node's GPU readings
      if (options_.on_gpu_samples) options_.on_gpu_samples(g->payload);
    } else if (std::holds_alternative<balancer::HeartbeatMsg>(m)) {
      // last_heard_ is all a heartbeat is for
    } else {
      throw core::CommError("rank " + std::to_string(source) + " sent the server an unexpected message");
    }
  });
}

void Server::on_hello(int worker, const balancer::HelloMsg& m) {
  if (worker >= 0 && static_cast<std::size_t>(worker) < hosts_.size()) {
    hosts_[worker] = m.host;
    pids_[worker] = m.pid;
  }
  store_.add_worker(store::WorkerRow{0, worker, m.host, m.pid, m.devices, core::wall_now()});  // [gpu2] its device
  balancer_.on_worker_joined(worker);
}

store::TaskRow Server::row_for(std::size_t index) const {
  const Node& n = graph_.node(index);
  const TaskInfo& t = tasks_[index];
  store::TaskRow row;
  row.id = static_cast<std::int64_t>(task_id_of(index));
  row.node_id = n.def.id;
  row.model = options_.models[n.def.model].name;
  row.params = n.def.params;
  row.params_hash = n.params_hash;
  row.attempts = t.attempts;
  row.worker = t.worker;
  if (t.worker >= 0 && static_cast<std::size_t>(t.worker) < hosts_.size()) row.host = hosts_[t.worker];
  row.submit_time = t.submit_time;
  row.dispatch_time = t.dispatch_time;
  row.status = t.status;
  row.start_time = t.start_time;
  row.end_time = t.end_time;
  row.objective = t.objective;
  row.result_seq = t.result_seq;
  if (t.status == store::TaskStatus::done || t.status == store::TaskStatus::pruned) row.result = n.result;
  row.error = t.status == store::TaskStatus::failed && !n.error.empty() ? n.error : t.error;
  return row;
}

void Server::set_status(std::size_t index, store::TaskStatus status) {
  TaskInfo& t = tasks_[index];
  auto is_final = [](store::TaskStatus s) {
    return s == store::TaskStatus::done || s == store::TaskStatus::failed || s == store::TaskStatus::pruned;
  };
  if (is_final(status) && !(t.dirty && is_final(t.status))) ++dirty_final_;
  t.status = status;
  t.changed_at = now_;
  if (!t.dirty) {
    t.dirty = true;
    dirty_.push_back(index);
  }
}

void Server::write_dirty_rows(double settled_before) {
  std::size_t kept = 0;
  for (std::size_t index : dirty_) {
    TaskInfo& t = tasks_[index];
    bool final = t.status == store::TaskStatus::done || t.status == store::TaskStatus::failed ||
                 t.status == store::TaskStatus::pruned;
    if (!final && t.changed_at > settled_before) {
      dirty_[kept++] = index;  // pending or running for a moment only: written with its next state
      continue;
    }
    store_.put_task(row_for(index));  // a temporary: moved into the store's buffer
    t.dirty = false;
  }
  dirty_.resize(kept);
  dirty_final_ = 0;
}

void Server::flush() {
  write_dirty_rows(std::numeric_limits<double>::infinity());
  store_.flush();
}

void Server::adapt_prefetch(const balancer::ResultMsg& m) {
  double took = std::max(0.0, m.end_time - m.start_time);
  mean_task_s_ = mean_task_s_ < 0 ? took : 0.9 * mean_task_s_ + 0.1 * took;
  // Re-decided every few results: the slot count changes rarely and never on one odd task.
  if (++results_seen_ % 16 != 1) return;
  double cover = options_.prefetch_s / std::max(mean_task_s_, 1e-7);
  int slots = cover >= 2 ? static_cast<int>(std::min<double>(cover, options_.prefetch_max)) : 1;
  balancer_.set_slots_per_worker(std::max(options_.slots_per_worker, slots));
}

void Server::on_result(int worker, balancer::ResultMsg& m) {
  std::size_t index = index_of(m.task_id);
  const auto& held = balancer_.tasks_of(worker);
  if (index >= tasks_.size() || !held.count(m.task_id)) return;  // stale: the task was re-queued already
  balancer_.on_task_finished(worker, m.task_id);

  adapt_prefetch(m);
  const Node& n = graph_.node(index);
  TaskInfo& t = tasks_[index];
  t.start_time = m.start_time;
  t.end_time = m.end_time;
  t.objective.reset();
  if (m.has_objective) t.objective = m.objective;
  t.error = std::move(m.error);

  if (m.status == balancer::TaskStatusCode::interrupted) {
    // Stopped at the job's request (walltime drain): it left a checkpoint and resumes; not a failure.
    set_status(index, store::TaskStatus::pending);
    graph_.requeue(index);
    return;
  }
  bool ok = m.status == balancer::TaskStatusCode::ok;
  const bool pruned = m.status == balancer::TaskStatusCode::pruned;
  if (!ok && !pruned) ++t.failures;
  if (pruned) {
    // prune: stopped by the pruner; finished for good with the value it reached (the optimizer learns it;
    // it does not count as the best, which only full trainings set).
    t.result_seq = ++result_seq_;
    set_status(index, store::TaskStatus::pruned);
    std::optional<double> objective;
    if (m.has_objective && std::isfinite(m.objective)) objective = m.objective;
    graph_.mark_done(index, std::move(m.result), objective);
  } else if (ok) {
    t.result_seq = ++result_seq_;
    set_status(index, store::TaskStatus::done);
    std::optional<double> objective;
    if (m.has_objective && std::isfinite(m.objective)) {
      objective = m.objective;
      if (!best_ || (options_.minimize ? m.objective < *best_ : m.objective > *best_)) best_ = m.objective;
    }
    graph_.mark_done(index, std::move(m.result), objective);
  } else if (t.failures <= options_.models[n.def.model].retries) {
    set_status(index, store::TaskStatus::pending);  // waits for its next attempt; the error stays visible
    graph_.requeue(index);
  } else {
    t.result_seq = ++result_seq_;
    set_status(index, store::TaskStatus::failed);
    graph_.mark_failed(index, t.error);
  }
  workflow_.on_node_ran(index, worker);
  if (graph_.node(index).state != NodeState::ready) workflow_.on_node_finished(graph_, index);
}

void Server::on_progress(int worker, const balancer::ProgressMsg& m) {
  std::size_t index = index_of(m.task_id);
  if (index >= tasks_.size()) return;
  store::MetricRow row;
  row.task_id = static_cast<std::int64_t>(m.task_id);
  row.node_id = graph_.node(index).def.id;
  row.attempt = tasks_[index].attempts;
  row.time = m.time;
  row.metrics = m.payload;
  auto j = core::Json::parse(m.payload, nullptr, /*allow_exceptions=*/false);
  bool has_epoch = false;
  if (j.is_object()) {
    auto e = j.find("epoch");
    has_epoch = e != j.end() && e->is_number();
    if (has_epoch) row.epoch = e->get<int>();
  }
  const int epoch = row.epoch;
  store_.add_metric(std::move(row));
  // prune: the pruner judges each epoch report; a stop decision stops this task.
  if (has_epoch) tasks_[index].reported_epoch = true;
  if (pruning_ && has_epoch && tasks_[index].status == store::TaskStatus::running &&
      pruning_->on_report(static_cast<std::int64_t>(m.task_id), graph_.node(index).def.id, epoch, j, m.time))
    stop_task(m.task_id);
}

void Server::set_pruning(std::unique_ptr<Pruning> pruning) {
  pruning_ = std::move(pruning);
  if (pruning_) pruning_->restore();
}

bool Server::stop_task(std::uint64_t task_id) {
  std::size_t index = index_of(task_id);
  if (index >= tasks_.size()) return false;
  TaskInfo& t = tasks_[index];
  if (t.status != store::TaskStatus::running || !t.reported_epoch || t.stop_sent || t.worker < 1 ||
      lost_[t.worker] || !balancer_.tasks_of(t.worker).count(task_id))
    return false;
  t.stop_sent = true;
  comm_.send(t.worker, balancer::encode(balancer::StopTaskMsg{task_id}));
  return true;
}

void Server::on_fatal(int worker, const balancer::FatalMsg& m) {
  std::string host = static_cast<std::size_t>(worker) < hosts_.size() ? hosts_[worker] : "";
  std::string msg = "worker rank " + std::to_string(worker) + (host.empty() ? "" : " on " + host) +
                    " could not start: " + m.message;
  store_.add_event("fatal", msg, core::wall_now());
  if (!fatal_) fatal_ = msg;
}

void Server::check_lost_workers(double now) {
  // cluster2 hook: a worker whose liveness connection dropped is lost now (balancer/liveness.hpp).
  if (options_.dropped_workers)
    for (const auto& [w, why] : options_.dropped_workers())
      if (w > 0 && w < comm_.size()) lose_worker(w, why);
  if (options_.lost_after_s <= 0) return;
  for (int w = 1; w < comm_.size(); ++w) {
    if (lost_[w] || last_heard_[w] == 0 || now - last_heard_[w] < options_.lost_after_s) continue;
    char why[128];
    std::snprintf(why, sizeof why, "stopped answering (nothing heard for %.0f s)", now - last_heard_[w]);
    lose_worker(w, why);
  }
}

void Server::on_retire(int worker, balancer::RetireMsg& m) {
  // The stuck attempt ends as a failure (a timeout), through the same path as any failed result.
  balancer::ResultMsg r;
  r.task_id = m.task_id;
  r.status = balancer::TaskStatusCode::failed;
  r.start_time = r.end_time = core::wall_now();
  std::size_t index = index_of(m.task_id);
  if (index < tasks_.size()) r.start_time = tasks_[index].dispatch_time;
  r.error = m.message;
  on_result(worker, r);
  lose_worker(worker, "gave itself up: a task was stuck in it past its timeout");
}

void Server::lose_worker(int w, const std::string& why) {
  if (lost_[w]) return;
  release_worker(w, why, "lost");
  if (balancer_.worker_count() == 0 && !fatal_)
    fatal_ = "every worker was lost (see the `lost` events); resume the run on healthy nodes";
}

void Server::release_worker(int w, const std::string& why, const char* kind) {
  lost_[w] = true;
  ++lost_count_;
  std::string who = "worker rank " + std::to_string(w) + (hosts_[w].empty() ? "" : " on " + hosts_[w]);
  auto held = balancer_.on_worker_lost(w);
  const char* where = draining_ ? "on resume" : "elsewhere";
  std::string event = who + " " + why + "; " + std::to_string(held.size()) + " task(s) run again " + where;
  store_.add_event(kind, event, core::wall_now());
  std::fprintf(stderr, "supervisor: %s\n", event.c_str());
  for (auto task_id : held) {
    std::size_t index = index_of(task_id);
    // cluster2 hook: a start lost with its worker is not an attempt; the loss is recorded (lost_start.hpp).
    tasks_[index].attempts = attempts_without_lost_start(tasks_[index].attempts);
    store_.add_event("task_lost", lost_start_message(task_id, graph_.node(index).def.id, who, why), core::wall_now());
    tasks_[index].error = who + " " + why + " while it held this task; it runs again " + where;
    set_status(index, store::TaskStatus::pending);
    graph_.requeue(index);
  }
}

void Server::begin_drain(const std::string& why) {
  draining_ = true;
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
  for (int w = 1; w < comm_.size(); ++w)
    if (!lost_[w] && !balancer_.tasks_of(w).empty()) release_worker(w, why, "drain");
}

void Server::dispatch(const balancer::Assignment& a) {
  std::size_t index = index_of(a.task_id);
  const Node& n = graph_.node(index);
  TaskInfo& t = tasks_[index];
  ++t.attempts;
  t.worker = a.worker;
  t.stop_sent = false;
  t.reported_epoch = false;
  t.dispatch_time = now_;
  graph_.mark_running(index);
  std::string& box = outbox_[static_cast<std::size_t>(a.worker)];
  if (box.empty()) outbox_ranks_.push_back(a.worker);
  balancer::append_task(box, a.task_id, n.def.model, static_cast<std::uint32_t>(t.attempts), n.def.id,
                        n.def.params);
  set_status(index, store::TaskStatus::running);
}

void Server::send_batches() {
  for (int rank : outbox_ranks_) {
    std::string& box = outbox_[static_cast<std::size_t>(rank)];
    comm_.send(rank, box);
    box.clear();
  }
  outbox_ranks_.clear();
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
  TaskInfo& t = tasks_[index];
  t.attempts = row.attempts;
  // cluster2 hook: `running` in the store = a start lost with its killed session, not an attempt.
  if (row.status == store::TaskStatus::running) t.attempts = attempts_without_lost_start(t.attempts);
  t.submit_time = row.submit_time;
  // A pruned task is finished for good (prune): it is never run again.
  bool final = row.status == store::TaskStatus::done || row.status == store::TaskStatus::failed ||
               row.status == store::TaskStatus::pruned;
  if (!final || row.params_hash != graph_.node(index).params_hash) {
    // Unfinished when the last session ended (or re-parameterized by a forced resume): run it again.
    if (row.params_hash != graph_.node(index).params_hash) t.attempts = 0;
    return false;
  }
  t.worker = row.worker;
  t.dispatch_time = row.dispatch_time;
  ++restored_count_;
  if (row.status == store::TaskStatus::pruned) {
    t.status = store::TaskStatus::pruned;
    graph_.mark_done(index, std::move(row.result), row.objective);
  } else if (row.status == store::TaskStatus::done) {
    if (row.objective && std::isfinite(*row.objective) &&
        (!best_ || (options_.minimize ? *row.objective < *best_ : *row.objective > *best_)))
      best_ = row.objective;
    graph_.mark_done(index, std::move(row.result), row.objective);
  } else {
    graph_.mark_failed(index, std::move(row.error));
  }
  workflow_.on_node_restored(graph_, index);
  return true;
}

std::size_t Server::pump() {
  now_ = core::wall_now();
  workflow_.poll(graph_);
  if (graph_.counts().ready < kReadyLowWater && !workflow_.exhausted())
    workflow_.top_up(graph_, kReadyLowWater);
  for (auto index : graph_.take_cascaded_failures()) {
    if (tasks_.size() < graph_.size()) tasks_.resize(graph_.size());
    set_status(index, store::TaskStatus::failed);
    workflow_.on_node_finished(graph_, index);
  }
  auto ready = graph_.take_ready();
  if (!ready.empty()) {
    const double now = now_;
    if (tasks_.size() < graph_.size()) tasks_.resize(graph_.size());
    for (auto index : ready) {
      if (!restored_.empty() && try_restore(index)) continue;
      const Node& n = graph_.node(index);
      TaskInfo& t = tasks_[index];
      if (t.submit_time == 0) {
        t.submit_time = now;
        if (t.attempts == 0) set_status(index, store::TaskStatus::pending);
      }
      balancer_.enqueue(balancer::ReadyTask{task_id_of(index), n.def.priority,
                                            n.def.preferred_worker});
    }
  }
  std::size_t sent = 0;
  if (draining_) return sent;
  while (auto a = balancer_.next_assignment()) {
    dispatch(*a);
    ++sent;
  }
  dispatches_ += sent;
  send_batches();
  return sent;
}

bool Server::finished() const {
  if (fatal_ || workflow_.fatal()) return true;
  if (draining_) return balancer_.in_flight_count() == 0 || core::wall_now() >= hard_stop_at_;
  return workflow_.exhausted() && graph_.counts().unfinished() == 0 && balancer_.in_flight_count() == 0;
}

Progress Server::progress() const {
  Progress p;
  p.counts = graph_.counts();
  p.expected_total = workflow_.expected_total();
  p.best = best_;
  p.elapsed = core::mono_now() - started_;
  p.workers = balancer_.worker_count();
  return p;
}

void Server::shutdown_workers() {
  // A lost worker is not told: it may sit on a node that died, and with some transports (libfabric's TCP
  // provider under Open MPI's cm PML) a send to a dead peer does not fail but blocks the server for good.
  std::string bytes = balancer::encode(balancer::ShutdownMsg{});
  for (int r = 1; r < comm_.size(); ++r)
    if (!lost_[r]) comm_.send(r, bytes);
}

void Server::start() {
  started_ = core::mono_now();
  workflow_.record_event = [this](const std::string& kind, const std::string& message) {
    store_.add_event(kind, message, core::wall_now());
  };
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
  int source = -1;
  std::string bytes;
  while (true) {
    bool active = false;
    for (int i = 0; i < kMessagesPerRound && comm_.try_receive(source, bytes); ++i) {
      on_message(source, bytes);
      active = true;
    }
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
      check_lost_workers(now);
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
  if (draining_ && balancer_.in_flight_count() > 0) stop_busy_workers();
  if (draining_) workflow_.finish_by = options_.stop_at;
  workflow_.finish(graph_);
  shutdown_workers();
  if (options_.on_tick) options_.on_tick();
  if (!fatal_ && workflow_.fatal()) {
    fatal_ = workflow_.fatal();
    store_.add_event("fatal", *fatal_, core::wall_now());
  }
  // What one task costs the server, for sizing a job (BENCHMARKS.md projects workers per server from it).
  const double cpu = process_cpu_s() - cpu_at_start;
  if (dispatches_ > 0) {
    char line[160];
    std::snprintf(line, sizeof line, "server CPU %.3f s for %zu dispatches (%.2f us each)", cpu, dispatches_,
                  1e6 * cpu / static_cast<double>(dispatches_));
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
  out.lost_workers = lost_count_;
  for (int w = 1; w < comm_.size(); ++w)
    if (lost_[w]) out.lost_processes.emplace_back(hosts_[w], pids_[w]);
  if (options_.on_progress) options_.on_progress(progress());
  return out;
}

}  // namespace sv::engine
