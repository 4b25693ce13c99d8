#include "site/submit.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include "core/errors.hpp"
#include "core/run_dir.hpp"
#include "site/script_text.hpp"

namespace sv::site {

namespace {

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal or by the timeout
  bool timed_out = false;
  std::string out, err;
};

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// fork/exec of an argv list with stdout and stderr captured; stdin from `stdin_path` or /dev/null.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_path,
                          int timeout_s) {
  int out_pipe[2], err_pipe[2], exec_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0 || pipe2(exec_pipe, O_CLOEXEC) != 0)
    throw core::UsageError(std::string("cannot create a pipe: ") + std::strerror(errno));
  auto args = c_argv(argv);
  pid_t pid = fork();
  if (pid < 0) throw core::UsageError(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
    if (in < 0) {
      int e = errno;
      (void)!write(exec_pipe[1], &e, sizeof e);
      _exit(127);
    }
    dup2(in, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    execvp(args[0], args.data());
    int e = errno;
    (void)!write(exec_pipe[1], &e, sizeof e);  // tells the parent why exec failed
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);
  int exec_errno = 0;
  ssize_t got = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  close(exec_pipe[0]);
  ProcessResult r;
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    waitpid(pid, nullptr, 0);
    throw core::UsageError("cannot run '" + argv[0] + "': " + std::strerror(exec_errno));
  }

  // Step 2: drain both pipes until they close or the deadline passes.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t k = read(fds[i].fd, buf, sizeof buf);
      if (k > 0) {
        sinks[i]->append(buf, static_cast<size_t>(k));
      } else if (k == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// The background job of the `local` scheduler: bash running the script in its own session, so it
// outlives `supervisor submit` and a terminal's hang-up; its output goes to RUN_DIR/job-<pid>.out.
std::string start_local_job(const std::string& script, const std::string& run_dir, JobMode mode) {
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0)
    throw core::UsageError(std::string("cannot create a pipe: ") + std::strerror(errno));
  std::vector<std::string> argv = {"/bin/bash", script};
  auto args = c_argv(argv);
  pid_t pid = fork();
  if (pid < 0) throw core::UsageError(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    setsid();
    std::string log = core::RunDir(run_dir).job_output("-" + std::to_string(getpid()) + ".out");
    int in = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) {
      int e = errno;
      (void)!write(exec_pipe[1], &e, sizeof e);
      _exit(127);
    }
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (mode == JobMode::resume) setenv("SV_JOB_MODE", "resume", 1);
    execv(args[0], args.data());
    int e = errno;
    (void)!write(exec_pipe[1], &e, sizeof e);
    _exit(127);
  }
  close(exec_pipe[1]);
  int exec_errno = 0;
  ssize_t got = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  close(exec_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    waitpid(pid, nullptr, 0);
    throw core::UsageError("cannot start the local job (/bin/bash " + script +
                           "): " + std::strerror(exec_errno));
  }
  return std::to_string(pid);
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string first_line_of(const std::string& text) {
  std::string t = trim(text);
  return t.substr(0, t.find('\n'));
}

// `cmd` run with its output captured; throws core::UsageError naming it when it fails or hangs.
ProcessResult run_scheduler_command(const SubmitCommand& cmd, std::string& shown) {
  shown = shell_join(cmd.argv) + (cmd.stdin_path.empty() ? "" : " < " + shell_quote(cmd.stdin_path));
  ProcessResult r = run_process(cmd.argv, cmd.stdin_path, 60);
  std::string said = trim(r.err.empty() ? r.out : r.err);
  if (said.size() > 400) said = said.substr(0, 400) + "...";
  if (r.timed_out)
    throw core::UsageError("`" + shown + "` did not answer within 60 s (is the scheduler up?)");
  if (r.exit_code != 0)
    throw core::UsageError("`" + shown + "` failed (exit " + std::to_string(r.exit_code) +
                           "): " + (said.empty() ? "no message" : said));
  return r;
}

}  // namespace

bool is_job_id(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._-[]@:", c))) return false;
  return true;
}

Scheduler scheduler_from_string(const std::string& name) {
  for (Scheduler s : {Scheduler::local, Scheduler::slurm, Scheduler::lsf, Scheduler::pbs, Scheduler::cobalt})
    if (name == to_string(s)) return s;
  throw core::ConfigError("unknown scheduler '" + name + "' (expected slurm, lsf, pbs, cobalt or local)");
}

SubmitCommand submit_command(Scheduler scheduler, const std::string& script, JobMode mode,
                             const QueuedAfter* after) {
  const bool resume = mode == JobMode::resume;
  if (after && scheduler != Scheduler::slurm)
    throw core::UsageError(std::string("queueing a successor behind a running job is for Slurm only, not ") +
                           to_string(scheduler));
  switch (scheduler) {
    case Scheduler::slurm: {
      std::vector<std::string> argv = {"sbatch", "--parsable"};
      if (resume) argv.push_back("--export=ALL,SV_JOB_MODE=resume");
      if (after) {
        argv.push_back("--dependency=afterany:" + after->job_id);
        argv.push_back("--nodes=1-" + std::to_string(std::max(1, after->max_nodes)));
      }
      argv.push_back(script);
      return {argv, ""};
    }
    case Scheduler::lsf:
      // bsub reads #BSUB directives only from a script given on stdin.
      if (resume) return {{"bsub", "-env", "all,SV_JOB_MODE=resume"}, script};
      return {{"bsub"}, script};
    case Scheduler::pbs:
      if (resume) return {{"qsub", "-v", "SV_JOB_MODE=resume", script}, ""};
      return {{"qsub", script}, ""};
    case Scheduler::cobalt:
      if (resume) return {{"qsub", "--env", "SV_JOB_MODE=resume", script}, ""};
      return {{"qsub", script}, ""};
    case Scheduler::local:
      break;
  }
  throw core::UsageError("the local scheduler has no submission command");
}

std::string parse_job_id(Scheduler scheduler, const std::string& output) {
  std::string id;
  switch (scheduler) {
    case Scheduler::slurm: {
      std::string line = first_line_of(output);
      id = line.substr(0, line.find(';'));
      break;
    }
    case Scheduler::lsf: {
      size_t at = output.find("Job <");
      if (at != std::string::npos) {
        size_t end = output.find('>', at + 5);
        if (end != std::string::npos) id = output.substr(at + 5, end - at - 5);
      }
      break;
    }
    case Scheduler::pbs:
      id = first_line_of(output);
      break;
    case Scheduler::cobalt: {
      std::istringstream lines(output);
      for (std::string line; std::getline(lines, line);) {
        line = trim(line);
        if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos) id = line;
      }
      break;
    }
    case Scheduler::local:
      id = trim(output);
      break;
  }
  return is_job_id(id) ? id : "";
}

std::string submit_job(Scheduler scheduler, const std::string& script, const std::string& run_dir,
                       JobMode mode, const QueuedAfter* after) {
  if (scheduler == Scheduler::local && !after) return start_local_job(script, run_dir, mode);
  std::string shown;
  ProcessResult r = run_scheduler_command(submit_command(scheduler, script, mode, after), shown);
  std::string said = trim(r.err.empty() ? r.out : r.err);
  if (said.size() > 400) said = said.substr(0, 400) + "...";
  std::string id = parse_job_id(scheduler, r.out);
  if (id.empty())
    throw core::UsageError("`" + shown + "` printed no job id: " + (said.empty() ? "no output" : said));
  return id;
}

void cancel_job(Scheduler scheduler, const std::string& job_id) {
  if (scheduler != Scheduler::slurm)
    throw core::UsageError(std::string("cancelling a queued successor is for Slurm only, not ") + to_string(scheduler));
  if (!is_job_id(job_id)) throw core::UsageError("'" + job_id + "': not a job id");
  std::string shown;
  run_scheduler_command(SubmitCommand{{"scancel", job_id}, ""}, shown);
}

}  // namespace sv::site
