// CUDA MPS for packed workers: one MPS control daemon per node lets the K workers on a GPU run their
// kernels concurrently instead of in time slices. Its pipe and log folders live in the run directory
// (mps/<host>/pipe, mps/<host>/log), so two runs on one node never share a daemon; the workers find it
// through CUDA_MPS_PIPE_DIRECTORY and CUDA_MPS_LOG_DIRECTORY. Started by the lowest rank of each node
// before any worker touches CUDA, stopped by the same rank after the job (cli/node_mps.hpp, cli/run_job.cpp).
#pragma once
#include <string>

namespace sv::site {

struct MpsDirs {
  std::string pipe, log;
};

/// The daemon's folders for `host` inside `run_dir`.
MpsDirs mps_dirs(const std::string& run_dir, const std::string& host);

/// Starts `nvidia-cuda-mps-control -d` (SV_MPS_CONTROL overrides the program) with these folders and waits
/// until its control socket appears. Returns "" on success, else why not (one line, for the user).
std::string start_mps_daemon(const MpsDirs& dirs);

/// Sends `quit` to the daemon (which waits for its clients to leave). Best effort: returns false when the
/// control program could not be run or did not answer within `timeout_s`.
bool stop_mps_daemon(const MpsDirs& dirs, double timeout_s = 30);

/// Points this process (and the interpreters it starts) at the daemon.
void use_mps(const MpsDirs& dirs);

}  // namespace sv::site
