// Process tree: a process's leftovers are found below it (orphans included, once it is a subreaper) and
// ended, while the processes it keeps live on.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "core/process_tree.hpp"

using namespace sv::core;

namespace {

pid_t spawn_sleeper() {
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sleep", "sleep", "600", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// A child that starts a sleeper in a session of its own and exits: the sleeper is an orphan.
pid_t spawn_orphan() {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t middle = fork();
  if (middle == 0) {
    setsid();
    pid_t daemon = spawn_sleeper();
    if (write(fds[1], &daemon, sizeof daemon) != sizeof daemon) _exit(1);
    _exit(0);
  }
  pid_t daemon = 0;
  REQUIRE(read(fds[0], &daemon, sizeof daemon) == sizeof daemon);
  close(fds[0]);
  close(fds[1]);
  int status = 0;
  waitpid(middle, &status, 0);
  return daemon;
}

bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  return text[text.rfind(')') + 2] != 'Z';
}

bool contains(const std::vector<pid_t>& v, pid_t p) { return std::find(v.begin(), v.end(), p) != v.end(); }

}  // namespace

TEST_CASE("end_descendants ends children and adopted orphans but keeps the resident ones", "[core][process]") {
  REQUIRE(become_subreaper());
  pid_t kept = spawn_sleeper();
  pid_t child = spawn_sleeper();
  pid_t orphan = spawn_orphan();
  auto below = descendants(getpid());
  CHECK(contains(below, kept));
  CHECK(contains(below, child));
  CHECK(contains(below, orphan));  // adopted by this subreaper, not by init

  CHECK(end_descendants({kept}, 2.0) == 2);
  CHECK_FALSE(alive(child));
  CHECK_FALSE(alive(orphan));
  CHECK(alive(kept));
  CHECK_FALSE(contains(descendants(getpid()), child));

  kill(kept, SIGKILL);
  int status = 0;
  waitpid(kept, &status, 0);
  CHECK(end_descendants({}, 1.0) == 0);
}

TEST_CASE("end_descendants kills what ignores SIGTERM once the grace is over", "[core][process]") {
  pid_t stubborn = fork();
  if (stubborn == 0) {
    signal(SIGTERM, SIG_IGN);
    execl("/bin/sleep", "sleep", "600", static_cast<char*>(nullptr));  // SIG_IGN survives exec
    _exit(127);
  }
  CHECK(end_descendants({}, 0.2) == 1);
  CHECK_FALSE(alive(stubborn));
}
