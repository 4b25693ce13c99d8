#include "shell/child_exit.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#include <thread>

namespace sv::shell {

ChildExit::ChildExit(int pid) {
#ifdef SYS_pidfd_open
  // The raw call: glibc wraps it only from 2.36, and sites build with older ones.
  fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
#endif
}

ChildExit::~ChildExit() {
  if (fd_ >= 0) ::close(fd_);
}

void ChildExit::nap(std::chrono::microseconds nap) const {
  if (fd_ < 0) {
    std::this_thread::sleep_for(nap);
    return;
  }
  pollfd p{fd_, POLLIN, 0};
  const long us = static_cast<long>(nap.count());
  timespec ts{us / 1000000, (us % 1000000) * 1000};
  ::ppoll(&p, 1, &ts, nullptr);  // an interrupted or failed wait only ends this nap early
}

}  // namespace sv::shell
