#include "core/process_tree.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/clock.hpp"

namespace sv::core {

namespace {

// Children of `pid`: /proc/<pid>/task/<tid>/children lists those of each thread (a child belongs to the
// thread that forked it, or that adopted it).
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(tasks.c_str());
  if (!dir) return out;
  while (dirent* d = readdir(dir)) {
    if (d->d_name[0] == '.') continue;
    std::ifstream in(tasks + "/" + d->d_name + "/children");
    long child = 0;
    while (in >> child) out.push_back(static_cast<pid_t>(child));
  }
  closedir(dir);
  return out;
}

bool is_zombie(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return true;  // gone already
  auto close = text.rfind(')');               // "pid (comm) state ...": comm may hold ')'
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] == 'Z' ||
         text[close + 2] == 'X';
}

bool has_children() {
  siginfo_t info{};
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD;
}

// Collects the exit status of this process's own children that have ended (not the kept ones).
void reap_children(const std::vector<pid_t>& keep) {
  for (pid_t child : children_of(getpid())) {
    if (std::find(keep.begin(), keep.end(), child) != keep.end()) continue;
    int status = 0;
    waitpid(child, &status, WNOHANG);
  }
}

}  // namespace

bool become_subreaper() {
#ifdef PR_SET_CHILD_SUBREAPER
  return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
#else
  return false;
#endif
}

std::vector<pid_t> descendants(pid_t root) {
  std::vector<pid_t> out;
  std::vector<pid_t> frontier = {root};
  while (!frontier.empty()) {
    pid_t p = frontier.back();
    frontier.pop_back();
    for (pid_t c : children_of(p)) {
      out.push_back(c);
      frontier.push_back(c);
    }
  }
  return out;
}

std::size_t end_descendants(const std::vector<pid_t>& keep, double grace_s) {
  if (!has_children()) return 0;  // the common case: one system call
  std::size_t signalled = 0;
  const double hard_at = mono_now() + grace_s;
  // Each round: signal what is alive, collect what ended. A killed parent's children are adopted by
  // this subreaper and show up in the next round, so loop until nothing is left.
  for (int round = 0;; ++round) {
    reap_children(keep);
    std::vector<pid_t> alive;
    for (pid_t p : descendants(getpid()))
      if (std::find(keep.begin(), keep.end(), p) == keep.end() && !is_zombie(p)) alive.push_back(p);
    if (alive.empty()) break;
    const bool hard = mono_now() >= hard_at;
    if (hard && mono_now() > hard_at + 5) break;  // stuck in uninterruptible sleep: nothing more to do
    for (pid_t p : alive)
      if (::kill(p, hard ? SIGKILL : SIGTERM) == 0 && round == 0) ++signalled;
    usleep(hard ? 5000 : 20000);
  }
  return signalled;
}

}  // namespace sv::core
