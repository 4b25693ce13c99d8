#include "balancer/worker_loop.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/errors.hpp"

namespace sv::balancer {

namespace {
constexpr int kServer = 0;

// Sends a heartbeat every `period` seconds until destroyed.
class Heartbeat {
 public:
  Heartbeat(Comm& comm, double period) {
    if (period <= 0) return;
    thread_ = std::thread([this, &comm, period] {
      const std::string beat = encode(HeartbeatMsg{});
      std::unique_lock<std::mutex> lock(mutex_);
      while (!cv_.wait_for(lock, std::chrono::duration<double>(period), [this] { return stop_; }))
        comm.send(kServer, beat);
    });
  }
  ~Heartbeat() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

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
  out.clear();

  Heartbeat heartbeat(comm, options.heartbeat_s);
  Backoff backoff(options.max_sleep_us);
  std::deque<TaskMsg> queued;  // the server sends several tasks at once when tasks are short (prefetch)
  std::uint64_t ran = 0;
  std::size_t unsent = 0;  // results in `out` not yet sent
  bool shutting_down = false;
  int source = -1;
  std::string bytes;
  while (true) {
    // Take everything already delivered before running the next task, so a shutdown is never missed.
    while (comm.try_receive(source, bytes)) {
      decode_each(bytes, [&](Message&& m) {
        if (auto* t = std::get_if<TaskMsg>(&m)) {
          queued.push_back(std::move(*t));
        } else if (std::holds_alternative<ShutdownMsg>(m)) {
          shutting_down = true;
        }
      });
    }
    // Results go back together while more queued tasks follow (only short tasks are queued), but never
    // wait behind an empty queue, and never more than max_unsent_results at a time so the server can refill.
    if (unsent > 0 && (queued.empty() || unsent >= options.max_unsent_results)) {
      comm.send(kServer, out);
      out.clear();
      unsent = 0;
    }
    if (!queued.empty()) {
      backoff.reset();
      TaskMsg task = std::move(queued.front());
      queued.pop_front();
      append(ResultMsg{task.task_id, execute(task)}, out);
      ++unsent;
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
