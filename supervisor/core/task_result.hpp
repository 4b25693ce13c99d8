// Task input and task result: the one description of a task run that every component shares. Terms: a
// *task input* is what a worker needs to run one node (its model, attempt and parameter tuple); a *task
// result* is how that run ended — its *outcome* (ok, failed, interrupted: stopped at the job's request, it
// left a checkpoint and resumes, or pruned: stopped at the server's request, finished for good with what it
// reached), objective, result JSON, error and times. A shell returns a TaskResult,
// the protocol carries it, and a graph node holds its last one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace sv::core {

enum class Outcome : std::uint8_t { ok = 0, failed = 1, interrupted = 2, pruned = 3 };

struct TaskInput {
  std::uint64_t task_id = 0;
  std::uint32_t model = 0;    // index into the run's model table
  std::uint32_t attempt = 1;  // 1 for the first try
  std::string node_id;
  std::string params;         // JSON object text: the tuple (model defaults are merged by the worker)
};

struct TaskResult {
  Outcome outcome = Outcome::ok;
  std::optional<double> objective;      // as the model reported it (a caller checks it is finite)
  std::string result;                   // JSON object text ("" when none)
  std::string error;                    // one-line message, blank line, details (traceback, stderr tail)
  double start_time = 0, end_time = 0;  // wall clock of the worker that ran it

  bool ok() const { return outcome == Outcome::ok; }
};

}  // namespace sv::core
