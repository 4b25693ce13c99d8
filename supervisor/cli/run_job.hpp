// Run job: `supervisor run` inside the MPI job that its launcher (cli/run.cpp) started, one process per
// rank. Terms: rank 0 *prepares* the run (cli/server_rank.hpp) and broadcasts a StartMessage; then rank 0
// serves and the other ranks work (cli/worker_rank.hpp), until the campaign ends.
#pragma once
#include "cli/commands.hpp"

namespace sv::cli {

/// This rank's part of the job; returns its exit status (under the launcher rank 0 leaves a non-zero one
/// in the run's supervisor.exit and returns 0, so mpiexec prints no abort banner).
int run_in_mpi(const RunArgs& args);

}  // namespace sv::cli
