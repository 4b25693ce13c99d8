#include "site/mps.hpp"

#include <fcntl.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/run_dir.hpp"

namespace sv::site {

namespace fs = std::filesystem;

namespace {

std::string control_program() {
  const char* p = std::getenv("SV_MPS_CONTROL");
  return p && *p ? p : "nvidia-cuda-mps-control";
}

// Runs the control program with the daemon's folders in its environment; `input` (may be empty) goes to
// its stdin. Returns the exit status, -1 when it could not be started (errno kept in `error`), or -2 when it
// did not end within `timeout_s` (it is then killed).
int run_control(const MpsDirs& dirs, const std::vector<std::string>& args, const std::string& input,
                double timeout_s, std::string& error) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    return -1;
  }
  int report[2];  // exec failure reaches the parent through this pipe (closed on a successful exec)
  if (pipe2(report, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    return -1;
  }
  std::string program = control_program();
  pid_t pid = fork();
  if (pid < 0) {
    error = std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    setenv("CUDA_MPS_PIPE_DIRECTORY", dirs.pipe.c_str(), 1);
    setenv("CUDA_MPS_LOG_DIRECTORY", dirs.log.c_str(), 1);
    std::vector<char*> argv = {const_cast<char*>(program.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    int e = errno;
    ssize_t ignored = write(report[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  close(in[0]);
  close(report[1]);
  if (!input.empty()) {
    ssize_t ignored = write(in[1], input.data(), input.size());
    (void)ignored;
  }
  close(in[1]);
  int exec_errno = 0;
  bool exec_failed = read(report[0], &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno);
  close(report[0]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      error = "no answer within " + std::to_string(static_cast<int>(timeout_s)) + " s";
      return -2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (exec_failed) {
    error = program + ": " + std::strerror(exec_errno);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

MpsDirs mps_dirs(const std::string& run_dir, const std::string& host) {
  fs::path base = fs::absolute(fs::path(core::RunDir(run_dir).mps())) / host;
  return MpsDirs{(base / "pipe").string(), (base / "log").string()};
}

std::string start_mps_daemon(const MpsDirs& dirs) {
  // The control socket is <pipe>/control: a Unix socket path has room for sizeof(sun_path) bytes only.
  if (dirs.pipe.size() + sizeof("/control") > sizeof(sockaddr_un{}.sun_path))
    return "the run directory's path is too long for the MPS control socket (" + dirs.pipe + "/control)";
  std::error_code ec;
  fs::create_directories(dirs.pipe, ec);
  if (!ec) fs::create_directories(dirs.log, ec);
  if (ec) return "cannot create " + dirs.pipe + ": " + ec.message();
  std::string error;
  int rc = run_control(dirs, {"-d"}, "", 30, error);
  if (rc != 0)
    return rc == -1 || rc == -2 ? error : control_program() + " -d exited with status " + std::to_string(rc);
  // -d returns once the daemon has forked; its socket follows shortly.
  for (int i = 0; i < 100; ++i) {
    if (fs::exists(fs::path(dirs.pipe) / "control", ec)) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "the daemon started but made no control socket in " + dirs.pipe + " (see " + dirs.log + "/control.log)";
}

bool stop_mps_daemon(const MpsDirs& dirs, double timeout_s) {
  std::string error;
  return run_control(dirs, {}, "quit\n", timeout_s, error) == 0;
}

void use_mps(const MpsDirs& dirs) {
  setenv("CUDA_MPS_PIPE_DIRECTORY", dirs.pipe.c_str(), 1);
  setenv("CUDA_MPS_LOG_DIRECTORY", dirs.log.c_str(), 1);
}

}  // namespace sv::site
