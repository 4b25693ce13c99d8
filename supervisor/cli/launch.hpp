#pragma once
#include <string>
#include <vector>

namespace sv::cli {

std::string self_executable();

/// Runs `command` as an MPI job of `ranks` ranks and exits with its status. Rank 0 may leave the status in
/// exit_status_file(out_dir) when it had to end the job abruptly (workers that stopped answering): that
/// status then wins over the launcher's, which only reflects how the stuck ranks were killed.
[[noreturn]] void run_mpi_job(int ranks, const std::vector<std::string>& command, const std::string& out_dir);
std::string exit_status_file(const std::string& out_dir);

}  // namespace sv::cli
