#include "balancer/dispatcher.hpp"

#include <algorithm>
#include <cstdio>

#include "balancer/protocol.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"

namespace sv::balancer {

Dispatcher::Dispatcher(Comm& comm, DispatcherOptions options)
    : comm_(comm),
      options_(options),
      balancer_(BalancerOptions{options.slots_per_worker}),
      workers_(static_cast<std::size_t>(comm.size())),
      outbox_(static_cast<std::size_t>(comm.size())) {}

int Dispatcher::poll(int max_messages) {
  int source = -1, handled = 0;
  std::string bytes;
  while (handled < max_messages && comm_.try_receive(source, bytes)) {
    on_message(source, bytes);
    ++handled;
  }
  return handled;
}

void Dispatcher::on_message(int source, std::string_view bytes) {
  if (source >= 0 && static_cast<std::size_t>(source) < workers_.size()) {
    WorkerInfo& w = workers_[static_cast<std::size_t>(source)];
    if (w.lost) return;  // gave up on it: its tasks run elsewhere; late words change nothing
    w.last_heard = core::mono_now();
  }
  decode_each(bytes, [&](Message&& m) {
    if (auto* r = std::get_if<ResultMsg>(&m)) {
      on_result(source, r->task_id, std::move(r->result));
    } else if (auto* p = std::get_if<ProgressMsg>(&m)) {
      on_progress(source, p->task_id, p->time, std::move(p->payload));
    } else if (auto* h = std::get_if<HelloMsg>(&m)) {
      on_hello(source, std::move(h->host), h->pid, std::move(h->devices));
    } else if (auto* f = std::get_if<FatalMsg>(&m)) {
      on_fatal(source, f->message);
    } else if (auto* t = std::get_if<RetireMsg>(&m)) {
      on_retire(source, t->task_id, t->message);
    } else if (auto* g = std::get_if<GpuSamplesMsg>(&m)) {
      events_->on_gpu_samples(source, std::move(g->payload));
    } else if (std::holds_alternative<HeartbeatMsg>(m)) {
      // last_heard is all a heartbeat is for
    } else {
      throw core::CommError("rank " + std::to_string(source) + " sent the server an unexpected message");
    }
  });
}

void Dispatcher::on_hello(int worker, std::string host, std::int64_t pid, std::string devices) {
  if (worker >= 0 && static_cast<std::size_t>(worker) < workers_.size()) {
    WorkerInfo& w = workers_[static_cast<std::size_t>(worker)];
    w.host = std::move(host);
    w.pid = pid;
    w.devices = std::move(devices);
    events_->on_worker_joined(worker, w);
  }
  balancer_.on_worker_joined(worker);
}

std::optional<int> Dispatcher::worker_of(std::uint64_t task_id) const {
  if (task_id >= running_on_.size() || running_on_[task_id] < 0) return std::nullopt;
  return running_on_[task_id];
}

void Dispatcher::set_running(std::uint64_t task_id, int worker) {
  if (task_id >= running_on_.size()) running_on_.resize(std::max<std::size_t>(task_id + 1, 2 * running_on_.size()), -1);
  running_on_[task_id] = worker;
}

void Dispatcher::adapt_prefetch(const core::TaskResult& r) {
  double took = std::max(0.0, r.end_time - r.start_time);
  mean_task_s_ = mean_task_s_ < 0 ? took : 0.9 * mean_task_s_ + 0.1 * took;
  // Re-decided every few results: the slot count changes rarely and never on one odd task.
  if (++results_seen_ % 16 != 1) return;
  double cover = options_.prefetch_s / std::max(mean_task_s_, 1e-7);
  int slots = cover >= 2 ? static_cast<int>(std::min<double>(cover, options_.prefetch_max)) : 1;
  balancer_.set_slots_per_worker(std::max(options_.slots_per_worker, slots));
}

void Dispatcher::on_result(int worker, std::uint64_t task_id, core::TaskResult&& result) {
  if (worker_of(task_id) != worker) return;  // stale: the task was re-queued already
  running_on_[task_id] = -1;
  balancer_.on_task_finished(worker, task_id);
  if (result.start_time > 0) adapt_prefetch(result);  // a retired task has no run time to learn from
  events_->on_task_result(task_id, worker, std::move(result));
}

void Dispatcher::on_progress(int worker, std::uint64_t task_id, double time, std::string&& payload) {
  events_->on_task_progress(task_id, worker, time, std::move(payload));
}

void Dispatcher::on_fatal(int worker, const std::string& message) { events_->on_worker_fatal(worker, message); }

void Dispatcher::on_retire(int worker, std::uint64_t task_id, const std::string& message) {
  // The stuck attempt ends as a failure (a timeout), through the same path as any failed result.
  core::TaskResult r;
  r.outcome = core::Outcome::failed;
  r.end_time = core::wall_now();  // no start_time: the engine knows when it sent the task
  r.error = message;
  on_result(worker, task_id, std::move(r));
  if (worker >= 0 && static_cast<std::size_t>(worker) < workers_.size() && !workers_[worker].lost)
    release_worker(worker, "gave itself up: a task was stuck in it past its timeout", "lost");
}

void Dispatcher::check_lost_workers(double now) {
  if (options_.dropped_workers)
    for (const auto& [w, why] : options_.dropped_workers())
      if (w > 0 && w < comm_.size()) release_worker(w, why, "lost");
  if (options_.lost_after_s <= 0) return;
  for (int w = 1; w < comm_.size(); ++w) {
    const WorkerInfo& info = workers_[static_cast<std::size_t>(w)];
    if (info.lost || info.last_heard == 0 || now - info.last_heard < options_.lost_after_s) continue;
    char why[128];
    std::snprintf(why, sizeof why, "stopped answering (nothing heard for %.0f s)", now - info.last_heard);
    release_worker(w, why, "lost");
  }
}

std::string Dispatcher::describe(int worker) const {
  const std::string& host = workers_[static_cast<std::size_t>(worker)].host;
  return "worker rank " + std::to_string(worker) + (host.empty() ? "" : " on " + host);
}

void Dispatcher::release_worker(int worker, const std::string& why, const char* kind) {
  WorkerInfo& info = workers_[static_cast<std::size_t>(worker)];
  if (info.lost) return;
  info.lost = true;
  ++lost_count_;
  ReturnedTasks returned{worker, describe(worker), why, kind, balancer_.on_worker_lost(worker)};
  for (auto task_id : returned.tasks) running_on_[task_id] = -1;
  events_->on_tasks_returned(std::move(returned));
}

void Dispatcher::release_busy_workers(const std::string& why, const char* kind) {
  for (int w = 1; w < comm_.size(); ++w)
    if (!workers_[static_cast<std::size_t>(w)].lost && !balancer_.tasks_of(w).empty()) release_worker(w, why, kind);
}

std::size_t Dispatcher::dispatch_ready() {
  if (gate_closed_) return 0;
  std::size_t sent = 0;
  while (auto a = balancer_.next_assignment()) {
    TaskToSend t = events_->on_task_sent(a->task_id, a->worker);
    set_running(a->task_id, a->worker);
    std::string& box = outbox_[static_cast<std::size_t>(a->worker)];
    if (box.empty()) outbox_ranks_.push_back(a->worker);
    append_task(box, a->task_id, t.model, t.attempt, t.node_id, t.params);
    ++sent;
  }
  send_batches();
  return sent;
}

void Dispatcher::send_batches() {
  for (int rank : outbox_ranks_) {
    std::string& box = outbox_[static_cast<std::size_t>(rank)];
    comm_.send(rank, box);
    box.clear();
  }
  outbox_ranks_.clear();
}

bool Dispatcher::send_to_task(std::uint64_t task_id, std::string_view bytes) {
  auto worker = worker_of(task_id);
  if (!worker) return false;
  comm_.send(*worker, bytes);
  return true;
}

bool Dispatcher::stop_task(std::uint64_t task_id) { return send_to_task(task_id, encode(StopTaskMsg{task_id})); }

void Dispatcher::shutdown_workers() {
  // A lost worker is not told: it may sit on a node that died, and with some transports (libfabric's TCP
  // provider under Open MPI's cm PML) a send to a dead peer does not fail but blocks the server for good.
  std::string bytes = encode(ShutdownMsg{});
  for (int r = 1; r < comm_.size(); ++r)
    if (!workers_[static_cast<std::size_t>(r)].lost) comm_.send(r, bytes);
}

std::vector<std::pair<std::string, std::int64_t>> Dispatcher::lost_processes() const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (int w = 1; w < comm_.size(); ++w)
    if (workers_[static_cast<std::size_t>(w)].lost)
      out.emplace_back(workers_[static_cast<std::size_t>(w)].host, workers_[static_cast<std::size_t>(w)].pid);
  return out;
}

}  // namespace sv::balancer
