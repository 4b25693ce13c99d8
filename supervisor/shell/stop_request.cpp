// The process-wide stop request (shell.hpp): one flag, set from a signal handler, read by every shell.
#include <atomic>

#include "shell/shell.hpp"

namespace sv::shell {

namespace {
std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_stop() runs in a signal handler");
}  // namespace

void request_stop() noexcept { g_stop_requested.store(true); }
bool stop_requested() noexcept { return g_stop_requested.load(std::memory_order_relaxed); }

}  // namespace sv::shell
