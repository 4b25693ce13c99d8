// Run directory: the folder one run keeps everything in (runs/<run>/ by default). Terms: the *root* is that
// folder as given; every file or folder the supervisor reads or writes inside it is named here, and only
// here (the Python runner is handed the paths it needs, shell/runner_config.cpp).
#pragma once
#include <string>
#include <string_view>

namespace sv::core {

class RunDir {
 public:
  explicit RunDir(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  /// The run's SQLite store (the one writer is rank 0).
  std::string store() const { return in("supervisor.db"); }
  /// The copy of the workflow file a fresh run or `submit` makes (what `resume` reads back).
  std::string workflow_copy() const { return in("workflow.yaml"); }
  /// The lock the one server of the run holds (cli/server_rank.cpp).
  std::string lock() const { return in("supervisor.lock"); }
  /// Where rank 0 leaves its exit status for the launcher, or a job script for `submit --continue`.
  std::string exit_status() const { return in("supervisor.exit"); }
  /// The batch script `submit` writes.
  std::string job_script() const { return in("job.sh"); }
  /// A batch job's own output: job<suffix> (suffix "-%j.out" for Slurm, ".out" for PBS, ...; a scheduler
  /// pattern in it is the scheduler's to expand).
  std::string job_output(std::string_view suffix) const { return in("job" + std::string(suffix)); }
  /// Where an R optimizer logs its asks, so a resumed run replays them where they were (eq_r/host.R).
  std::string optimizer_asks() const { return in("optimizer_asks.txt"); }
  /// The isolated shells' output, one file per worker: logs/worker-<rank>.log.
  std::string logs() const { return in("logs"); }
  std::string worker_log(int rank) const;
  /// The folder of the task directories.
  std::string tasks() const { return in("tasks"); }
  /// One task's directory, tasks/<node_id>. Throws core::ModelError for an id that is not a safe path
  /// component (core::is_valid_node_id): this builds a path.
  std::string task(std::string_view node_id) const;
  /// The CUDA MPS daemons' folders, one per host (site/mps.hpp puts pipe/ and log/ in each).
  std::string mps() const { return in("mps"); }

 private:
  std::string in(std::string_view name) const;
  std::string root_;
};

}  // namespace sv::core
