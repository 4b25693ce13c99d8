#include "balancer/worker_loop.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

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

// While a task runs the worker's main thread is inside the model, so a listener thread reads the server's
// messages meanwhile: a stop for the running task is acted on at once (on_stop), anything else (more tasks,
// shutdown) is kept, in arrival order, for the main loop. Both threads receive under one lock and the main
// thread takes what was kept before it receives itself, so no message overtakes another. The listener
// looks every few milliseconds: a stop needs no microsecond latency, and an idle worker stays idle.
class TaskListener {
 public:
  TaskListener(Comm& comm, std::function<void(std::uint64_t)> on_stop, int interval_us)
      : comm_(comm), on_stop_(std::move(on_stop)), interval_(std::chrono::microseconds(interval_us)) {
    if (on_stop_) thread_ = std::thread([this] { loop(); });
  }
  ~TaskListener() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void begin(std::uint64_t task_id) { running_.store(task_id); }
  void end() { running_.store(0); }
  /// Main thread: hands f what the listener kept, then every message already delivered.
  template <class F>
  void receive_all(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& m : kept_) f(std::move(m));
    kept_.clear();
    int source = -1;
    while (comm_.try_receive(source, bytes_)) decode_each(bytes_, f);
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    int source = -1;
    std::string bytes;
    while (!cv_.wait_for(lock, interval_, [this] { return quit_; })) {
      if (running_.load() == 0) continue;
      while (comm_.try_receive(source, bytes)) {
        decode_each(bytes, [this](Message&& m) {
          auto* stop = std::get_if<StopTaskMsg>(&m);
          if (!stop) {
            kept_.push_back(std::move(m));
          } else if (stop->task_id == running_.load()) {
            on_stop_(stop->task_id);
          }
        });
      }
    }
  }

  Comm& comm_;
  std::function<void(std::uint64_t)> on_stop_;
  std::chrono::microseconds interval_;
  std::atomic<std::uint64_t> running_{0};
  std::mutex mutex_;  // receiving, kept_, quit_
  std::condition_variable cv_;
  bool quit_ = false;
  std::vector<Message> kept_;
  std::string bytes_;
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
  encode(HelloMsg{options.host, static_cast<std::int64_t>(getpid()), options.devices}, out);  // [gpu2] devices
  comm.send(kServer, out);
  out.clear();

  Heartbeat heartbeat(comm, options.heartbeat_s);
  TaskListener listener(comm, options.on_stop_task, options.listen_interval_us);
  Backoff backoff(options.max_sleep_us);
  std::deque<TaskMsg> queued;  // the server sends several tasks at once when tasks are short (prefetch)
  std::uint64_t ran = 0;
  std::size_t unsent = 0;  // results in `out` not yet sent
  bool shutting_down = false;
  while (true) {
    // Take everything already delivered before running the next task, so a shutdown is never missed. A
    // stop for a task that is no longer running is stale (its result is on the way) and ignored.
    listener.receive_all([&](Message&& m) {
      if (auto* t = std::get_if<TaskMsg>(&m)) {
        queued.push_back(std::move(*t));
      } else if (std::holds_alternative<ShutdownMsg>(m)) {
        shutting_down = true;
      }
    });
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
      listener.begin(task.task_id);
      ResultMsg result{task.task_id, execute(task)};
      listener.end();
      append(result, out);
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
