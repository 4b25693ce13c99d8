// Starting the MPI job from a login shell: `supervisor run` re-executes itself under mpiexec with the
// flags this machine needs (root, more ranks than cores, no core pinning), as an argv list.
#include <limits.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/launch.hpp"
#include "core/errors.hpp"

#ifndef SV_MPIEXEC
#define SV_MPIEXEC "mpiexec"
#endif

namespace sv::cli {

bool launched_under_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

std::string self_executable() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw core::UsageError("cannot find the supervisor executable's path (/proc/self/exe)");
  return std::string(buf, static_cast<std::size_t>(n));
}

[[noreturn]] void exec_mpi_job(int ranks, const std::vector<std::string>& command) {
  const char* env_exec = std::getenv("SV_MPIEXEC");
  std::string mpiexec = env_exec && *env_exec ? env_exec : SV_MPIEXEC;
  std::vector<std::string> args = {mpiexec, "-n", std::to_string(ranks), "--oversubscribe", "--bind-to", "none"};
  // Open MPI refuses root unless told; these are what its own error message suggests.
  if (geteuid() == 0) {
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  }
  // With more ranks than cores Open MPI makes every empty poll call sched_yield(), a context switch per
  // poll that costs the busy server its core; our ranks already nap when idle (balancer::Backoff).
  // A value the user set wins.
  setenv("OMPI_MCA_mpi_yield_when_idle", "0", 0);
  // The progress line is drawn only when the person who started us watches a terminal; rank 0's own
  // stderr is a pipe to mpiexec.
  // It is cut to the terminal's width, since a line that wraps cannot be redrawn in place.
  if (isatty(STDERR_FILENO)) {
    setenv("SV_PROGRESS_TTY", "1", 1);
    winsize ws{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      setenv("SV_PROGRESS_COLUMNS", std::to_string(ws.ws_col).c_str(), 1);
  }
  args.insert(args.end(), command.begin(), command.end());
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  execvp(cargv[0], cargv.data());
  throw core::UsageError("cannot start '" + mpiexec + "': " + std::strerror(errno) +
                         " (install openmpi-bin, or set SV_MPIEXEC to your MPI launcher)");
}

}  // namespace sv::cli
