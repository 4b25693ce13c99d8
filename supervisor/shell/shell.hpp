// Shell: a worker's resident executors. Terms: a *shell* runs tasks of one model kind — the embedded
// Python interpreter (initialized once per worker, `preload` modules imported at start), an app (a
// command line run through Boost.Process), or noop. A task's failure, however it happens, comes back as
// a core::TaskResult with outcome failed and the error text; it never ends the worker.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/task_result.hpp"
#include "spec/workflow_spec.hpp"

namespace sv::shell {

/// Streams a progress payload (a JSON object with "epoch") for a running task to the server.
using ProgressSink = std::function<void(std::uint64_t task_id, std::string_view payload)>;

struct ShellConfig {
  std::string run_dir;  // absolute; tasks write under run_dir/tasks/<node>/
  int rank = 0;
  std::string host;
  std::string source_dir;  // the workflow file's folder: relative paths resolve here
  std::vector<spec::ModelSpec> models;
  spec::ObjectiveSpec objective;
  std::vector<std::string> preload;
  double drain_at = 0;             // wall time after which models are asked to stop (walltime drain); 0 = never
  bool isolated = false;           // python models run in a resident child process (isolated_shell.hpp)
  std::string python_executable;   // isolated: the child's interpreter ("" = the build's own)
  // Embedded Python: a call still running timeout_grace_s after its timeout interrupt (stuck in C code
  // that never returns) makes the shell call on_stuck(task id, why) from another thread, so the worker
  // can give itself up and the task can run elsewhere.
  double timeout_grace_s = 30;
  std::function<void(std::uint64_t task_id, const std::string& why)> on_stuck;
};

class Shell {
 public:
  virtual ~Shell() = default;
  virtual core::TaskResult run(const core::TaskInput& task) = 0;
  /// Processes this shell keeps across tasks (an isolated shell's Python): they outlive a task, while
  /// everything else a task started ends with it (ShellSet::run).
  virtual std::vector<int> resident_processes() const { return {}; }
};

/// Asks the running model, and every later one, to stop, as a walltime drain does (`ctx.should_stop()`
/// turns true). Async-signal-safe: a worker's TERM/INT/USR1 handler calls it.
void request_stop() noexcept;
/// True once request_stop() was called in this process.
bool stop_requested() noexcept;
/// Asks the one running task `task_id` to stop (pruning: the server's StopTaskMsg); `ctx.should_stop()`
/// turns true for that task only, and its outcome becomes pruned. Called from the worker's listener thread.
void request_task_stop(std::uint64_t task_id) noexcept;
/// True once request_task_stop(task_id) was called (task ids are unique within a run, never reused).
bool task_stop_requested(std::uint64_t task_id) noexcept;

/// Runs `body(outcome)` with the outcome's start/end times set around it; an exception thrown by the body
/// fails the task with its message (a shell never lets one reach the worker loop).
template <class Body>
core::TaskResult timed_outcome(Body&& body) {
  core::TaskResult out;
  out.start_time = core::wall_now();
  try {
    body(out);
  } catch (const std::exception& e) {
    out.outcome = core::Outcome::failed;
    out.error = e.what();
  }
  out.end_time = core::wall_now();
  return out;
}

/// Holds one shell per model kind in use and routes each task to its model's shell. Starting it starts
/// the resident interpreters; a start-up failure (a preload module that does not import, say) throws
/// core::ModelError with the reason. The worker process becomes a subreaper, and whatever a task
/// started that is still alive when it returns (a model's forked child, a daemon) is ended then, so no
/// child of a model outlives its task or keeps the job from ending.
class ShellSet {
 public:
  ShellSet(ShellConfig config, ProgressSink progress);
  ~ShellSet();
  core::TaskResult run(const core::TaskInput& task);

 private:
  ShellConfig config_;
  std::vector<Shell*> by_model_;  // borrowed from owned_
  std::vector<std::unique_ptr<Shell>> owned_;
};

/// The task directory of a node: run_dir/tasks/<node_id>.
std::string task_dir(const std::string& run_dir, std::string_view node_id);

}  // namespace sv::shell
