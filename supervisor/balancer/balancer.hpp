// Balancer: rank 0's dispatch state, kept free of MPI and of workflow kinds. Terms: a *slot* is room for
// one task on a worker (a worker has `slots_per_worker`); a *ready task* waits in a queue ordered by
// priority (higher first), then by arrival; a task may name a *preferred worker* (soft affinity: the rank
// that holds its parent's weights). A free slot never waits for a task that prefers another worker.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sv::balancer {

struct ReadyTask {
  std::uint64_t task_id = 0;
  int priority = 0;
  int preferred_worker = -1;  // -1 = no preference
};

struct Assignment {
  int worker = -1;
  std::uint64_t task_id = 0;
  bool affinity_hit = false;  // the task ran where it preferred
};

struct BalancerOptions {
  int slots_per_worker = 1;
};

class Balancer {
 public:
  explicit Balancer(BalancerOptions options = {}) : options_(options) {}

  // --- events ---
  void on_worker_joined(int worker);
  /// Forgets a worker; returns the tasks it held so the caller can re-queue them.
  std::vector<std::uint64_t> on_worker_lost(int worker);
  void on_task_finished(int worker, std::uint64_t task_id);
  void enqueue(const ReadyTask& task);
  /// Changes how many tasks a worker may hold at once (running plus queued on the worker). Raising it
  /// frees slots at once, spread over the workers in turn; lowering it takes effect as tasks finish.
  void set_slots_per_worker(int slots);
  int slots_per_worker() const { return options_.slots_per_worker; }

  /// The next (worker, task) pair to send, or nullopt when no slot is free or nothing is ready.
  std::optional<Assignment> next_assignment();

  // --- state ---
  std::size_t ready_count() const { return ready_count_; }
  std::size_t in_flight_count() const { return in_flight_count_; }
  std::size_t free_slot_count() const { return free_slots_.size(); }
  std::size_t worker_count() const { return workers_.size(); }
  const std::unordered_set<std::uint64_t>& tasks_of(int worker) const;

 private:
  struct Entry {
    int priority;
    std::uint64_t seq;
    std::uint64_t task_id;
    int preferred_worker;
    bool operator<(const Entry& o) const {  // max-heap: higher priority, then earlier arrival
      return priority != o.priority ? priority < o.priority : seq > o.seq;
    }
  };
  bool has_free_slot(int worker) const;
  void take_slot(int worker);
  std::optional<Entry> pop_global();
  std::optional<Entry> pop_affine(int worker);
  Assignment assign(int worker, const Entry& e);

  BalancerOptions options_;
  std::priority_queue<Entry> global_;
  std::unordered_map<int, std::deque<Entry>> affine_;    // tasks that prefer a worker, also in global_
  std::unordered_set<std::uint64_t> taken_affine_;       // taken through one queue, stale in the other
  std::deque<int> free_slots_;                           // one entry per free slot
  std::unordered_map<int, int> free_count_;              // worker -> free slots
  std::unordered_map<int, std::unordered_set<std::uint64_t>> workers_;  // worker -> tasks in flight
  std::uint64_t seq_ = 0;
  std::size_t ready_count_ = 0;
  std::size_t in_flight_count_ = 0;
};

}  // namespace sv::balancer
