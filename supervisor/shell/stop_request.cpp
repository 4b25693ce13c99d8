// The process-wide stop request (shell.hpp): one flag, set from a signal handler, read by every shell; and
// the per-task stop (pruning): the id of the one task asked to stop, set by the worker's listener thread.
#include <atomic>
#include <cstdint>

#include "shell/shell.hpp"

namespace sv::shell {

namespace {
std::atomic<bool> g_stop_requested{false};
std::atomic<std::uint64_t> g_stop_task{0};  // a worker runs one task at a time: one id is enough
static_assert(std::atomic<bool>::is_always_lock_free, "request_stop() runs in a signal handler");
}  // namespace

void request_stop() noexcept { g_stop_requested.store(true); }
bool stop_requested() noexcept { return g_stop_requested.load(std::memory_order_relaxed); }
void request_task_stop(std::uint64_t task_id) noexcept { g_stop_task.store(task_id); }
bool task_stop_requested(std::uint64_t task_id) noexcept {
  return task_id != 0 && g_stop_task.load(std::memory_order_relaxed) == task_id;
}

}  // namespace sv::shell
