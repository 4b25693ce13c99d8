// CLI: the `supervisor` command's subcommands. Each returns the process exit status; bad input throws a
// core::Error whose message main() prints as one line.
#pragma once
#include <string>

namespace sv::cli {

struct RunArgs {
  std::string workflow;  // path to the workflow YAML
  std::string out_dir;   // "" = runs/<name>-<timestamp>
  int workers = 0;       // 0 = resources.workers from the YAML
};

/// `supervisor run`: outside MPI, validates and starts the MPI job (mpiexec) running itself; inside an
/// MPI job (mpiexec/srun started us), runs as server or worker by rank.
int cmd_run(const RunArgs& args, int argc, char** argv);
int cmd_validate(const std::string& workflow);
int cmd_status(const std::string& run_dir);

/// True when this process is one rank of an MPI job (Open MPI, MPICH/Hydra, PMIx/srun).
bool launched_under_mpi();

/// The store file inside a run directory.
std::string store_path(const std::string& run_dir);

}  // namespace sv::cli
