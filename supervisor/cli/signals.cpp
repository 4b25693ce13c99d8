#include "cli/signals.hpp"

#include <signal.h>

#include <cstring>

#include "shell/shell.hpp"

namespace sv::cli {

namespace {

std::atomic<int> g_drain_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "set from a signal handler");

void on_drain_signal(int sig) {
  int none = 0;
  g_drain_signal.compare_exchange_strong(none, sig);  // the first one names the drain
  shell::request_stop();
}

}  // namespace

void catch_drain_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_drain_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // a signal must not fail a system call a rank is in (MPI, SQLite, a pipe)
  for (int sig : {SIGINT, SIGTERM, SIGUSR1}) sigaction(sig, &sa, nullptr);
}

const std::atomic<int>& drain_signal() { return g_drain_signal; }

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace sv::cli
