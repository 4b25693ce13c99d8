// Worker loop: what a worker rank does for the whole job — say hello, wait (without spinning) for task
// messages, run each through the given executor, send its result, and leave on shutdown. With on_stop_task
// set, a listener thread also reads the server's messages while a task runs, so a per-task stop
// (StopTaskMsg, pruning) reaches the running model.
#pragma once
#include <functional>
#include <string>

#include "balancer/comm.hpp"
#include "balancer/protocol.hpp"

namespace sv::balancer {

struct WorkerOptions {
  int max_sleep_us = 1000;  // backoff cap while idle
  // Results of queued (prefetched) tasks sent in one message, at most this many; with an empty queue a
  // result goes at once.
  std::size_t max_unsent_results = 64;
  // A thread of its own tells the server every heartbeat_s that this rank is alive, also while a long task
  // runs (0 = no heartbeats). The Comm must allow a send from that thread.
  double heartbeat_s = 0;
  std::string host;
  std::string devices;  // [gpu2] the GPUs this rank was bound to, for its hello ("" = none)
  // Called (from the listener thread) when the server asks the running task to stop; empty = no listener,
  // and messages are read only between tasks. The Comm must then allow calls from that thread.
  std::function<void(std::uint64_t task_id)> on_stop_task;
  int listen_interval_us = 5000;  // how often the listener looks for a stop while a task runs
};

/// Runs one task; a failure is a result (outcome failed), never an exception.
using TaskExecutor = std::function<core::TaskResult(const core::TaskInput&)>;

/// Runs until the server says shutdown. Returns the number of tasks run.
std::uint64_t run_worker(Comm& comm, const TaskExecutor& execute, const WorkerOptions& options);

/// For a worker whose start-up failed: tells the server why, then waits for shutdown so every rank
/// leaves together.
void report_fatal_and_wait(Comm& comm, const std::string& message, int max_sleep_us = 1000);

}  // namespace sv::balancer
