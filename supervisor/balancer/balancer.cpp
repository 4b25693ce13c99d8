#include "balancer/balancer.hpp"

#include <algorithm>

namespace sv::balancer {

namespace {
const std::unordered_set<std::uint64_t> kNoTasks;
}

void Balancer::on_worker_joined(int worker) {
  if (workers_.count(worker)) return;
  workers_[worker];
  for (int i = 0; i < options_.slots_per_worker; ++i) free_slots_.push_back(worker);
  free_count_[worker] = options_.slots_per_worker;
}

std::vector<std::uint64_t> Balancer::on_worker_lost(int worker) {
  std::vector<std::uint64_t> held;
  auto it = workers_.find(worker);
  if (it == workers_.end()) return held;
  held.assign(it->second.begin(), it->second.end());
  in_flight_count_ -= held.size();
  workers_.erase(it);
  free_count_.erase(worker);
  free_slots_.erase(std::remove(free_slots_.begin(), free_slots_.end(), worker), free_slots_.end());
  // Tasks preferring the lost worker stay in the global queue; their affinity entries are dropped.
  auto aff = affine_.find(worker);
  if (aff != affine_.end()) {
    for (const auto& e : aff->second) taken_affine_.erase(e.task_id);
    affine_.erase(aff);
  }
  return held;
}

void Balancer::on_task_finished(int worker, std::uint64_t task_id) {
  auto it = workers_.find(worker);
  if (it == workers_.end() || it->second.erase(task_id) == 0) return;  // unknown: a stale duplicate
  --in_flight_count_;
  int& free = free_count_[worker];
  if (static_cast<int>(it->second.size()) + free < options_.slots_per_worker) {
    free_slots_.push_back(worker);
    ++free;
  }
}

void Balancer::set_slots_per_worker(int slots) {
  slots = std::max(1, slots);
  if (slots == options_.slots_per_worker) return;
  options_.slots_per_worker = slots;
  // Free slots each worker should have now; extra ones are taken back, missing ones added in turns so a
  // burst of dispatches spreads over the workers.
  int most_missing = 0;
  for (auto& [worker, held] : workers_) {
    int want = std::max(0, slots - static_cast<int>(held.size()));
    int& free = free_count_[worker];
    if (free > want) {
      for (int extra = free - want; extra > 0; --extra) {
        auto it = std::find(free_slots_.rbegin(), free_slots_.rend(), worker);
        free_slots_.erase(std::next(it).base());
      }
      free = want;
    }
    most_missing = std::max(most_missing, want - free);
  }
  for (int round = 0; round < most_missing; ++round) {
    for (auto& [worker, held] : workers_) {
      int want = std::max(0, slots - static_cast<int>(held.size()));
      int& free = free_count_[worker];
      if (free < want) {
        free_slots_.push_back(worker);
        ++free;
      }
    }
  }
}

void Balancer::enqueue(const ReadyTask& task) {
  // A preference for a worker that is not (or no longer) here is dropped.
  int preferred = task.preferred_worker >= 0 && workers_.count(task.preferred_worker) ? task.preferred_worker : -1;
  Entry e{task.priority, seq_++, task.task_id, preferred};
  global_.push(e);
  if (preferred >= 0) affine_[preferred].push_back(e);
  ++ready_count_;
}

bool Balancer::has_free_slot(int worker) const {
  auto it = free_count_.find(worker);
  return it != free_count_.end() && it->second > 0;
}

void Balancer::take_slot(int worker) {
  --free_count_[worker];
  auto it = std::find(free_slots_.begin(), free_slots_.end(), worker);
  if (it != free_slots_.end()) free_slots_.erase(it);
}

std::optional<Balancer::Entry> Balancer::pop_global() {
  while (!global_.empty()) {
    Entry e = global_.top();
    global_.pop();
    if (e.preferred_worker >= 0) {
      // Affine entries live in two queues; whichever pops second finds it taken.
      if (taken_affine_.erase(e.task_id)) continue;
      if (affine_.count(e.preferred_worker)) taken_affine_.insert(e.task_id);
    }
    return e;
  }
  return std::nullopt;
}

std::optional<Balancer::Entry> Balancer::pop_affine(int worker) {
  auto it = affine_.find(worker);
  if (it == affine_.end()) return std::nullopt;
  auto& q = it->second;
  while (!q.empty()) {
    Entry e = q.front();
    q.pop_front();
    if (taken_affine_.erase(e.task_id)) continue;
    taken_affine_.insert(e.task_id);  // the global copy is now stale
    if (q.empty()) affine_.erase(it);
    return e;
  }
  affine_.erase(it);
  return std::nullopt;
}

Assignment Balancer::assign(int worker, const Entry& e) {
  workers_[worker].insert(e.task_id);
  ++in_flight_count_;
  --ready_count_;
  return Assignment{worker, e.task_id, e.preferred_worker == worker};
}

std::optional<Assignment> Balancer::next_assignment() {
  if (free_slots_.empty() || ready_count_ == 0) return std::nullopt;
  int worker = free_slots_.front();
  // 1. A task that prefers this worker.
  if (auto e = pop_affine(worker)) {
    take_slot(worker);
    return assign(worker, *e);
  }
  // 2. The best task overall; it goes to its preferred worker when that one has room.
  auto e = pop_global();
  if (!e) return std::nullopt;
  if (e->preferred_worker >= 0 && e->preferred_worker != worker && has_free_slot(e->preferred_worker)) {
    take_slot(e->preferred_worker);
    return assign(e->preferred_worker, *e);
  }
  free_slots_.pop_front();
  --free_count_[worker];
  return assign(worker, *e);
}

const std::unordered_set<std::uint64_t>& Balancer::tasks_of(int worker) const {
  auto it = workers_.find(worker);
  return it == workers_.end() ? kNoTasks : it->second;
}

}  // namespace sv::balancer
