#pragma once
#include <string>
#include <vector>

namespace sv::cli {

std::string self_executable();

/// Replaces this process with `mpiexec -n RANKS ... COMMAND...`. Returns only by throwing.
[[noreturn]] void exec_mpi_job(int ranks, const std::vector<std::string>& command);

}  // namespace sv::cli
