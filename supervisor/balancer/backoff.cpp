#include <ctime>

#include "balancer/comm.hpp"

namespace sv::balancer {

void Backoff::idle() {
  if (polls_ < spin_polls_) {
    ++polls_;
    return;
  }
  timespec ts{0, static_cast<long>(sleep_us_) * 1000L};
  nanosleep(&ts, nullptr);
  if (sleep_us_ < max_sleep_us_) sleep_us_ = sleep_us_ * 2 > max_sleep_us_ ? max_sleep_us_ : sleep_us_ * 2;
}

}  // namespace sv::balancer
