// Waiting a little for a child process to end. Terms: a *nap* is the pause between two looks of a shell that
// must also watch, while its child runs, for a stop request and for the progress the child writes; a nap
// *ends early* when the child exits. With a plain sleep the exit is seen up to a whole nap late (the app shell
// naps up to 20 ms: a tenth of the throughput of 0.2 s app tasks). A pidfd (Linux 5.3 and later) is readable
// once the process has exited, so a nap on it ends at the exit; on an older kernel the nap is a sleep.
#pragma once
#include <chrono>

namespace sv::shell {

class ChildExit {
 public:
  explicit ChildExit(int pid);
  ~ChildExit();
  ChildExit(const ChildExit&) = delete;
  ChildExit& operator=(const ChildExit&) = delete;

  /// Returns after `nap`, or as soon as the child has exited.
  void nap(std::chrono::microseconds nap) const;

 private:
  int fd_ = -1;  // the child's pidfd; -1 where the kernel has none
};

}  // namespace sv::shell
