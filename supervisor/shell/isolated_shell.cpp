#include "shell/isolated_shell.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/resource_dir.hpp"
#include "core/run_dir.hpp"
#include "core/json_util.hpp"
#include "shell/runner_config.hpp"

#ifndef SV_PYTHON_EXECUTABLE
#define SV_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif
#ifndef SV_PYTHON_ROOT
#define SV_PYTHON_ROOT ""
#endif

namespace sv::shell {

namespace {

constexpr double kGraceSeconds = 3.0;  // after SIGTERM, before SIGKILL
constexpr int kStopPollMs = 200;       // a stop request (a signal to this worker) is looked for this often

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : "") +
           (sig == SIGKILL ? " - out of memory, or killed from outside" : "");
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

class IsolatedShell : public Shell {
 public:
  IsolatedShell(const ShellConfig& config, ProgressSink progress) : config_(config), progress_(std::move(progress)) {
    start_child();  // a configuration error (bad preload) surfaces at worker start, as in embedded mode
  }

  ~IsolatedShell() override { stop_child(/*kill=*/false); }

  core::TaskResult run(const core::TaskInput& task) override {
    return timed_outcome([&](core::TaskResult& out) {
      if (pid_ <= 0) start_child();
      run_in_child(task, out);
    });
  }

  std::vector<int> resident_processes() const override {
    return pid_ > 0 ? std::vector<int>{static_cast<int>(pid_)} : std::vector<int>{};
  }

 private:
  void start_child() {
    int req[2], resp[2];
    if (pipe2(req, O_CLOEXEC) != 0 || pipe2(resp, O_CLOEXEC) != 0)
      throw core::ModelError(std::string("cannot create pipes for the isolated shell: ") + std::strerror(errno));
    std::string python = !config_.python_executable.empty() ? config_.python_executable : default_python();
    std::string log = core::RunDir(config_.run_dir).worker_log(config_.rank);
    std::filesystem::create_directories(core::RunDir(config_.run_dir).logs());
    std::string pythonpath = core::resource_dir("SV_PYTHON_ROOT", SV_PYTHON_ROOT, "python");
    if (!config_.source_dir.empty()) pythonpath += ":" + config_.source_dir;
    if (const char* old = std::getenv("PYTHONPATH"); old && *old) pythonpath += std::string(":") + old;

    pid_t pid = fork();
    if (pid < 0) throw core::ModelError(std::string("cannot fork the isolated shell: ") + std::strerror(errno));
    if (pid == 0) {
      // Child: protocol on fds 3 and 4, model output to the worker's log, then the interpreter.
      dup2(req[0], 3);
      dup2(resp[1], 4);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      setenv("PYTHONPATH", pythonpath.c_str(), 1);
      execl(python.c_str(), python.c_str(), "-m", "model_runner.isolated", static_cast<char*>(nullptr));
      std::fprintf(stderr, "cannot start %s: %s\n", python.c_str(), std::strerror(errno));
      _exit(127);
    }
    ::close(req[0]);
    ::close(resp[1]);
    pid_ = pid;
    to_child_ = req[1];
    from_child_ = resp[0];
    write_frame(core::Json::array({"configure", runner_config_json(config_)}));
    core::Json reply = read_frame(-1);
    if (reply.is_array() && !reply.empty() && reply[0] == "configured") return;
    std::string why = reply.is_array() && reply.size() > 1 ? reply[1].get<std::string>() : child_death();
    stop_child(/*kill=*/true);
    throw core::ModelError("the isolated Python (" + python + ") could not start: " + why + " (log: " + log + ")");
  }

  static std::string default_python() {
    const char* exe = std::getenv("SV_PYTHON_EXECUTABLE");
    return exe && *exe ? exe : SV_PYTHON_EXECUTABLE;
  }

  void run_in_child(const core::TaskInput& task, core::TaskResult& out) {
    write_frame(core::Json::array({"task", task.model, task.task_id, std::string(task.node_id), task.attempt,
                                   std::string(task.params)}));
    double timeout = config_.models.at(task.model).timeout_s;
    double deadline = timeout > 0 ? core::mono_now() + timeout : -1;
    // The walltime drain, on the monotonic clock: when it comes the child is asked (SIGUSR1) to stop.
    double drain = config_.drain_at > 0 ? core::mono_now() + (config_.drain_at - core::wall_now()) : -1;
    bool asked_to_stop = false, asked_to_prune = false;
    while (true) {
      // The server stops this one task (pruning): SIGUSR2, which the child forgets when its next task starts.
      if (!asked_to_prune && task_stop_requested(task.task_id)) {
        asked_to_prune = true;
        if (pid_ > 0) ::kill(pid_, SIGUSR2);
      }
      if (!asked_to_stop && stop_requested()) {  // the job drains on a signal: pass it on
        asked_to_stop = true;
        if (pid_ > 0) ::kill(pid_, SIGUSR1);
      }
      double until = deadline;
      if (!asked_to_stop && drain >= 0 && (until < 0 || drain < until)) until = drain;
      int wait_ms = until < 0 ? -1 : static_cast<int>(std::max(0.0, until - core::mono_now()) * 1000);
      if (!asked_to_stop && (wait_ms < 0 || wait_ms > kStopPollMs)) wait_ms = kStopPollMs;
      bool timed_out = false;
      core::Json frame = read_frame(wait_ms, &timed_out);
      if (frame.is_null() && timed_out) {
        // Which wait ended: the drain (ask the child to stop and keep waiting), the task's timeout, or
        // neither yet (poll woke a little early: wait again).
        if (!asked_to_stop && drain >= 0 && (deadline < 0 || drain < deadline)) {
          if (core::mono_now() < drain) continue;
          asked_to_stop = true;
          if (pid_ > 0) ::kill(pid_, SIGUSR1);
          continue;
        }
        if (deadline < 0 || core::mono_now() < deadline) continue;  // woke for a stop request, or early
      }
      if (frame.is_null()) {
        if (timed_out) {
          stop_child(/*kill=*/true);
          out.outcome = core::Outcome::failed;
          out.error = "timed out after " + core::format_duration(timeout) +
                      " (model.timeout); the model's Python process was stopped and will be restarted";
          return;
        }
        out.outcome = core::Outcome::failed;
        out.error = "the model's Python process " + child_death() + " while running this task; it will be restarted"
                    " for the next task (log: " + core::RunDir(config_.run_dir).worker_log(config_.rank) + ")";
        return;
      }
      if (frame[0] == "progress") {
        if (progress_) progress_(frame[1].get<std::uint64_t>(), frame[2].get<std::string>());
      } else if (frame[0] == "result") {
        out.outcome = frame[1].get<bool>() ? core::Outcome::ok : core::Outcome::failed;
        if (frame[2].is_number()) out.objective = frame[2].get<double>();
        out.result = frame[3].get<std::string>();
        out.error = frame[4].get<std::string>();
        return;
      }
    }
  }

  // The reason the child is gone, reaping it.
  std::string child_death() {
    if (pid_ <= 0) return "is not running";
    int status = 0;
    // EOF can come a moment before the exit status does.
    pid_t r = waitpid(pid_, &status, 0);
    pid_ = -1;
    close_pipes();
    return r > 0 ? describe_exit(status) : "ended";
  }

  void stop_child(bool kill) {
    if (pid_ <= 0) {
      close_pipes();
      return;
    }
    close_pipes();  // EOF on its requests: a healthy child returns from main()
    if (kill) ::kill(pid_, SIGTERM);
    double deadline = core::mono_now() + kGraceSeconds;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (core::mono_now() >= deadline) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      usleep(10000);
    }
    pid_ = -1;
  }

  void close_pipes() {
    if (to_child_ >= 0) ::close(to_child_);
    if (from_child_ >= 0) ::close(from_child_);
    to_child_ = from_child_ = -1;
  }

  void write_frame(const core::Json& frame) {
    std::string body = frame.dump();
    std::uint32_t n = static_cast<std::uint32_t>(body.size());
    std::string bytes(reinterpret_cast<const char*>(&n), 4);
    bytes += body;
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t w = ::write(to_child_, bytes.data() + done, bytes.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw core::ModelError("the model's Python process " + child_death() + " (it stopped reading tasks)");
      done += static_cast<std::size_t>(w);
    }
  }

  // One frame, or null on EOF (the child is gone) or when `wait_ms` (-1 = forever) passes first, which
  // sets *timed_out.
  core::Json read_frame(int wait_ms, bool* timed_out = nullptr) {
    std::uint32_t n = 0;
    if (!read_exactly(reinterpret_cast<char*>(&n), 4, wait_ms, timed_out)) return nullptr;
    std::string body(n, '\0');
    if (!read_exactly(body.data(), n, -1, nullptr)) return nullptr;
    return core::Json::parse(body, nullptr, /*allow_exceptions=*/false);
  }

  bool read_exactly(char* p, std::size_t n, int wait_ms, bool* timed_out) {
    const std::size_t wanted = n;
    while (n) {
      pollfd pfd{from_child_, POLLIN, 0};
      // Once part of a frame came, the rest follows: wait for it rather than lose the bytes read.
      int r = ::poll(&pfd, 1, n == wanted ? wait_ms : -1);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0 && timed_out) *timed_out = true;
      if (r <= 0) return false;
      ssize_t got = ::read(from_child_, p, n);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      p += got;
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }

  ShellConfig config_;
  ProgressSink progress_;
  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
};

}  // namespace

std::unique_ptr<Shell> make_isolated_shell(const ShellConfig& config, ProgressSink progress) {
  return std::make_unique<IsolatedShell>(config, std::move(progress));
}

}  // namespace sv::shell
