// CLI: the `supervisor` command's subcommands. Each returns the process exit status; bad input throws a
// core::Error whose message main() prints as one line.
#pragma once
#include <string>

namespace sv::cli {

struct RunArgs {
  std::string workflow;  // path to the workflow YAML ("" for `resume`: the run's own)
  std::string out_dir;   // "" = runs/<name>-<timestamp>; for `resume`, the run directory
  int workers = 0;       // 0 = resources.workers from the YAML
  bool resume = false;   // continue the run in out_dir: done tasks are kept, the rest run
  bool force = false;    // resume even though the workflow file changed
};

/// `supervisor run` and `supervisor resume`: outside MPI, validate and start the MPI job (mpiexec) running
/// this same command; inside an MPI job (mpiexec/srun started us), run as server or worker by rank.
int cmd_run(const RunArgs& args);
int cmd_validate(const std::string& workflow);
int cmd_status(const std::string& run_dir);

/// True when this process is one rank of an MPI job (Open MPI, MPICH/Hydra, PMIx/srun).
bool launched_under_mpi();

/// The store file inside a run directory.
std::string store_path(const std::string& run_dir);

}  // namespace sv::cli
