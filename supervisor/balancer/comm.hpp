// Comm: how the server and workers move bytes. The scheduling logic only sees this interface, so it is
// unit-tested with an in-memory implementation (tests/cpp) and run for real over MPI (mpi_comm.hpp).
#pragma once
#include <string>
#include <string_view>

namespace sv::balancer {

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Sends one message to `dest`; the bytes may be reused when it returns.
  virtual void send(int dest, std::string_view bytes) = 0;
  /// Non-blocking: when a message has arrived, fills `source` and `bytes` and returns true.
  virtual bool try_receive(int& source, std::string& bytes) = 0;
};

/// Waiting without burning a core: callers poll, and call idle() after a poll that found nothing, reset()
/// after one that found work. For `spin_us` after the last work the waiter only spins (a busy peer answers
/// within microseconds, and any sleep costs far more than that); after that it sleeps 1 us, doubling up to
/// `max_sleep_us`. A rank blocked in MPI_Recv busy-polls at 100% CPU; this keeps an idle rank at a few
/// percent (see ../shared/TOOLCHAIN.md) while waking within ~max_sleep_us.
class Backoff {
 public:
  explicit Backoff(int max_sleep_us = 1000, int spin_us = 50);
  void reset() {
    spin_start_ = 0;
    sleep_us_ = 1;
  }
  void idle();

 private:
  int max_sleep_us_;
  double spin_s_;
  double spin_start_ = 0;
  int sleep_us_ = 1;
};

}  // namespace sv::balancer
