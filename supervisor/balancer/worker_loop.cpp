#include "balancer/worker_loop.hpp"

#include <unistd.h>

#include <deque>

#include "core/errors.hpp"

namespace sv::balancer {

namespace {
constexpr int kServer = 0;

// Blocks (politely) until a message from the server arrives.
std::string wait_for_message(Comm& comm, Backoff& backoff) {
  int source = -1;
  std::string bytes;
  while (!comm.try_receive(source, bytes)) backoff.idle();
  backoff.reset();
  return bytes;
}
}  // namespace

std::uint64_t run_worker(Comm& comm, const TaskExecutor& execute, const WorkerOptions& options) {
  std::string out;
  encode(HelloMsg{options.host, static_cast<std::int64_t>(getpid())}, out);
  comm.send(kServer, out);

  Backoff backoff(options.max_sleep_us);
  std::deque<TaskMsg> queued;  // the server may send more than one task when it runs with prefetch
  std::uint64_t ran = 0;
  bool shutting_down = false;
  int source = -1;
  std::string bytes;
  while (true) {
    // Take everything already delivered before running the next task, so a shutdown is never missed.
    while (comm.try_receive(source, bytes)) {
      Message m = decode(bytes);
      if (auto* t = std::get_if<TaskMsg>(&m)) {
        queued.push_back(std::move(*t));
      } else if (std::holds_alternative<ShutdownMsg>(m)) {
        shutting_down = true;
      }
    }
    if (!queued.empty()) {
      backoff.reset();
      TaskMsg task = std::move(queued.front());
      queued.pop_front();
      ResultMsg result = execute(task);
      result.task_id = task.task_id;
      encode(result, out);
      comm.send(kServer, out);
      ++ran;
      continue;
    }
    if (shutting_down) break;
    backoff.idle();
  }
  return ran;
}

void report_fatal_and_wait(Comm& comm, const std::string& message, int max_sleep_us) {
  comm.send(kServer, encode(FatalMsg{message}));
  Backoff backoff(max_sleep_us);
  while (true) {
    Message m = decode(wait_for_message(comm, backoff));
    if (std::holds_alternative<ShutdownMsg>(m)) return;
  }
}

}  // namespace sv::balancer
