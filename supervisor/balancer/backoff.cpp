#include <sys/prctl.h>

#include <sched.h>

#include <ctime>

#include "balancer/comm.hpp"
#include "core/clock.hpp"

namespace sv::balancer {

Backoff::Backoff(int max_sleep_us, int spin_us) : max_sleep_us_(max_sleep_us), spin_s_(spin_us * 1e-6) {
  // Linux stretches every sleep by the thread's timer slack (50 us by default), which would turn the
  // 1 us first step into 50 us of latency. Ask for 1 us.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
}

void Backoff::idle() {
  double now = core::mono_now();
  if (spin_start_ == 0) spin_start_ = now;
  if (now - spin_start_ < spin_s_) {
    // Spinning, but a thread that has real work on this core (the server's SQLite committer, another
    // rank) goes first: with nothing else runnable sched_yield returns at once.
    sched_yield();
    return;
  }
  timespec ts{0, static_cast<long>(sleep_us_) * 1000L};
  nanosleep(&ts, nullptr);
  if (sleep_us_ < max_sleep_us_) sleep_us_ = sleep_us_ * 2 > max_sleep_us_ ? max_sleep_us_ : sleep_us_ * 2;
}

}  // namespace sv::balancer
