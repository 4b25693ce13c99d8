// Lost starts. Terms: a *lost start* is a task a worker held (running, or queued in it by prefetch) when
// the server gave that worker up — its node died, its connection to the server dropped, it stopped
// answering, or a drain's grace ran out — or a task a killed session left `running` in the store. Nothing
// of such a start reaches the store, so it is not an *attempt* of the task (attempts count the starts
// whose end the server saw, plus the one running now); the loss is recorded instead, as a `task_lost`
// event naming the task and the worker's host.
#pragma once
#include <cstdint>
#include <string>

namespace sv::engine {

/// The attempts of a task after one of its starts was lost (the start had been counted at dispatch).
int attempts_without_lost_start(int attempts);

/// The `task_lost` event's message: "task 7 (node 3) lost with worker rank 5 on n3 (WHY); not counted as an
/// attempt". `who` is "worker rank 5 on n3".
std::string lost_start_message(std::uint64_t task_id, const std::string& node_id, const std::string& who,
                               const std::string& why);

}  // namespace sv::engine
