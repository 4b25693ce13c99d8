// Starting the MPI job from a login shell: `supervisor run` re-executes itself under mpiexec with the
// flags this machine needs (root, more ranks than cores, no core pinning), as an argv list.
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "cli/launch.hpp"
#include "core/errors.hpp"
#include "core/resource_dir.hpp"
#include "core/run_dir.hpp"
#include "core/process_tree.hpp"

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
  std::string path = core::executable_path();
  if (path.empty()) throw core::UsageError("cannot find the supervisor executable's path (/proc/self/exe)");
  return path;
}

namespace {
pid_t g_child = 0;
std::atomic<int> g_drain_requests{0};
std::atomic<bool> g_kill_hard{false};

// mpiexec blocks TERM and INT (below) and its ranks run in process groups of their own: end each one.
void kill_job_hard() {
  for (pid_t p : core::descendants(g_child)) kill(p, SIGKILL);
  kill(g_child, SIGKILL);
}

// Signals meant for the job go to mpiexec, which passes them to the ranks. A drain signal (Ctrl-C, a
// scheduler's TERM, a walltime warning's USR1) goes as USR1, the one mpiexec forwards without killing
// the ranks: the job drains (cli/signals.hpp). A second Ctrl-C or TERM kills the job hard.
void forward_signal(int sig) {
  if (g_child <= 0) return;
  if (sig != SIGINT && sig != SIGTERM && sig != SIGUSR1) {
    kill(g_child, sig);
    return;
  }
  if (g_drain_requests.fetch_add(1) == 0 || sig == SIGUSR1) {
    // Only async-signal-safe calls here: write(2) of fixed text.
    const char* name = sig == SIGINT ? "supervisor: SIGINT" : sig == SIGTERM ? "supervisor: SIGTERM" : "supervisor: SIGUSR1";
    static const char kDraining[] =
        ": draining: no new tasks, running models asked to stop (interrupt again to kill the job)\n";
    if (write(STDERR_FILENO, name, std::strlen(name)) < 0 || write(STDERR_FILENO, kDraining, sizeof kDraining - 1) < 0) {
    }
    kill(g_child, SIGUSR1);
    return;
  }
  static const char kKilling[] = "supervisor: second interrupt: killing the job; `supervisor resume` continues it\n";
  if (write(STDERR_FILENO, kKilling, sizeof kKilling - 1) < 0) {
  }
  g_kill_hard.store(true);  // the guard thread does it: walking /proc is no work for a signal handler
}
}  // namespace

std::string exit_status_file(const std::string& out_dir) { return core::RunDir(out_dir).exit_status(); }

[[noreturn]] void run_mpi_job(int ranks, const std::vector<std::string>& command, const std::string& out_dir) {
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
  // Rank 0 leaves its exit status in supervisor.exit for us (and exits 0, so mpiexec adds no banner).
  setenv("SV_LAUNCHER", "1", 1);
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
  const std::string status_file = exit_status_file(out_dir);
  std::error_code ec;
  std::filesystem::remove(status_file, ec);
  std::fflush(nullptr);
  g_child = fork();
  if (g_child < 0) throw core::UsageError(std::string("cannot start the MPI job: fork: ") + std::strerror(errno));
  if (g_child == 0) {
    // mpiexec must not act on TERM or INT itself (it would kill the ranks at once): they reach it, if at
    // all, from a terminal's Ctrl-C or a scheduler signalling every process, and the launcher has already
    // turned them into a drain. The ranks start with every signal unblocked again.
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, nullptr);
    execvp(cargv[0], cargv.data());
    std::fprintf(stderr, "supervisor: error: cannot start '%s': %s (install openmpi-bin, or set SV_MPIEXEC to your MPI launcher)\n",
                 mpiexec.c_str(), std::strerror(errno));
    _exit(2);
  }
  struct sigaction sa {};
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaction(sig, &sa, nullptr);

  // When rank 0 has left its status (it ended the job around ranks that stopped answering), the launcher
  // gets a few seconds to finish, then is stopped: it may wait forever on a frozen rank.
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread guard([&] {
    int seen = -1;
    std::unique_lock<std::mutex> lock(m);
    for (int tick = 0; !cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; }); ++tick) {
      if (g_kill_hard.exchange(false)) kill_job_hard();
      if (seen < 0 && std::filesystem::exists(status_file)) seen = tick;
      if (seen >= 0 && tick - seen > 100) kill(g_child, SIGKILL);
    }
  });
  int status = 0;
  while (waitpid(g_child, &status, 0) < 0 && errno == EINTR) {
  }
  {
    std::lock_guard<std::mutex> lock(m);
    done = true;
  }
  cv.notify_all();
  guard.join();
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  std::ifstream in(status_file);
  int recorded = 0;
  if (in >> recorded) {
    code = recorded;
    in.close();
    std::filesystem::remove(status_file, ec);
  }
  std::exit(code);
}

}  // namespace sv::cli
