// `supervisor report RUN_DIR [--out FILE]`: the page is drawn by the Python package sv_report (in
// supervisor/report/, see its README), run with Debian's python3 in a child process. matplotlib thus
// never enters this binary, and sections are plain Python files others can add.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/recorded_workflow.hpp"
#include "core/errors.hpp"
#include "core/resource_dir.hpp"
#include "store/store.hpp"

#ifndef SV_REPORT_DIR
#define SV_REPORT_DIR ""
#endif
#ifndef SV_REPORT_PYTHON
#define SV_REPORT_PYTHON "/usr/bin/python3"
#endif

extern char** environ;

namespace fs = std::filesystem;

namespace sv::cli {

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

/// This process's environment with PYTHONPATH led by `report_dir` and matplotlib on its file backend.
std::vector<std::string> child_environment(const std::string& report_dir) {
  std::vector<std::string> env;
  std::string pythonpath = report_dir;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("PYTHONPATH=", 0) == 0) {
      if (kv.size() > 11) pythonpath += ":" + kv.substr(11);
    } else if (kv.rfind("MPLBACKEND=", 0) != 0) {
      env.push_back(std::move(kv));
    }
  }
  env.push_back("PYTHONPATH=" + pythonpath);
  env.push_back("MPLBACKEND=Agg");
  return env;
}

/// `name` as a path: as given when it holds a '/', else the first executable of that name on PATH.
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = env_or("PATH", "/usr/bin:/bin");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    fs::path candidate = fs::path(path.substr(start, end - start).empty() ? "." : path.substr(start, end - start)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return name;  // execve then fails with ENOENT, which is reported with the name
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// fork + exec of `argv` (no shell), waiting for it. Returns its exit status (128 + signal when killed).
/// A child that cannot exec reports errno through a close-on-exec pipe, so the failure is ours to word.
int spawn_and_wait(std::vector<std::string> argv, std::vector<std::string> env) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw core::UsageError(std::string("cannot start the report: ") + std::strerror(errno));
  auto cargv = c_strings(argv);
  auto cenv = c_strings(env);
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    throw core::UsageError(std::string("cannot start the report: fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    close(fds[0]);
    execve(cargv[0], cargv.data(), cenv.data());
    int err = errno;
    ssize_t ignored = write(fds[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  close(fds[1]);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(fds[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    throw core::UsageError("cannot start " + argv[0] + " for the report: " + std::strerror(exec_errno) +
                           " (install python3, or set SV_REPORT_PYTHON to a Python 3 with matplotlib)");
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

/// A temporary file holding the head of a large recorded workflow (recorded_workflow.hpp), removed when
/// the report is done; no file when the text is small enough to be parsed whole.
class WorkflowHeadFile {
 public:
  explicit WorkflowHeadFile(const std::string& run_dir) {
    std::string text;
    try {
      text = store::Store::open(store_path(run_dir), store::OpenMode::read_only)->run().spec_text;
    } catch (const core::Error&) {
      return;  // not a readable run store: the report's own reader says so, in its words
    }
    if (text.size() <= kLargeWorkflowText) return;
    const std::string head = without_sweep_block(text);
    std::string name = (fs::temp_directory_path() / "sv-report-workflow-XXXXXX").string();
    int fd = mkstemp(name.data());
    if (fd < 0) throw core::UsageError("cannot start the report: a temporary file in " +
                                       fs::temp_directory_path().string() + ": " + std::strerror(errno));
    path_ = name;
    std::size_t done = 0;
    while (done < head.size()) {
      ssize_t n = write(fd, head.data() + done, head.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = errno;
        close(fd);
        throw core::UsageError("cannot start the report: writing " + path_ + ": " + std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
    }
    close(fd);
  }
  ~WorkflowHeadFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  WorkflowHeadFile(const WorkflowHeadFile&) = delete;
  WorkflowHeadFile& operator=(const WorkflowHeadFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

int cmd_report(const ReportArgs& args) {
  if (!fs::is_directory(args.run_dir)) throw core::UsageError(args.run_dir + ": no such run directory");
  if (!fs::exists(store_path(args.run_dir)))
    throw core::UsageError(args.run_dir + ": not a run directory (no supervisor.db inside)");
  const std::string report_dir = core::resource_dir("SV_REPORT_PATH", SV_REPORT_DIR, "report");
  if (report_dir.empty() || !fs::exists(fs::path(report_dir) / "sv_report" / "__main__.py"))
    throw core::UsageError("the report code (sv_report) is not in '" + report_dir +
                           "'; set SV_REPORT_PATH to the folder that holds sv_report/ (supervisor/report in "
                           "the source tree)");
  // Absolute, so execve needs no PATH search; a bare name given by the user is looked up here.
  std::string python = resolve_program(env_or("SV_REPORT_PYTHON", SV_REPORT_PYTHON));
  std::vector<std::string> argv = {python, "-m", "sv_report"};
  if (!args.out.empty()) argv.insert(argv.end(), {"--out", args.out});
  WorkflowHeadFile head(args.run_dir);  // a huge sweep is left out here, by the rule `status` follows too
  if (!head.path().empty()) argv.insert(argv.end(), {"--spec-file", head.path()});
  argv.insert(argv.end(), {"--", args.run_dir});  // a run directory starting with '-' stays a path
  return spawn_and_wait(std::move(argv), child_environment(report_dir));
}

}  // namespace sv::cli
