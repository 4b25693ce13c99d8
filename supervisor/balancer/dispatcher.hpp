// Dispatcher: rank 0's side of the wire. Terms: it owns the Comm, the protocol and the Balancer (the ready
// queue); a *worker* is a rank that said hello; a worker is *lost* once nothing was heard from it for
// lost_after_s, or when it is given up (it retired, or a drain stopped it): its tasks are returned; the
// *gate* closed (a drain) means no task goes out. It reports what workers say through DispatchEvents, which
// the engine implements, and never knows workflow kinds. Handlers (on_hello, on_result, ...) take typed
// values, so the engine's tests drive it without bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "balancer/balancer.hpp"
#include "balancer/comm.hpp"
#include "core/task_result.hpp"

namespace sv::balancer {

/// What the engine hands over for a task the balancer placed on a worker; views into the engine's node,
/// read at once.
struct TaskToSend {
  std::uint32_t model = 0;
  std::uint32_t attempt = 1;
  std::string_view node_id;
  std::string_view params;
};

/// A worker given up with the tasks it held (to run again elsewhere, or on resume).
struct ReturnedTasks {
  int worker = -1;
  std::string who;   // "worker rank 3 on node7"
  std::string why;   // "stopped answering (nothing heard for 62 s)"
  const char* kind;  // the store event's kind: "lost" or "drain"
  std::vector<std::uint64_t> tasks;
};

struct WorkerInfo;

/// What the dispatcher tells the engine. Each call happens on the server's thread, inside a Dispatcher call.
class DispatchEvents {
 public:
  virtual ~DispatchEvents() = default;
  /// A ready task goes to `worker` now: the engine counts the attempt and says what to send.
  virtual TaskToSend on_task_sent(std::uint64_t task_id, int worker) = 0;
  /// A worker's result for a task it holds (stale results never get here). A result without a start time
  /// is one the worker could not time (it gave itself up over the task).
  virtual void on_task_result(std::uint64_t task_id, int worker, core::TaskResult&& result) = 0;
  /// A metrics payload (JSON object text) a running task streamed.
  virtual void on_task_progress(std::uint64_t task_id, int worker, double time, std::string&& payload) = 0;
  /// A worker was given up; its tasks are no longer in flight.
  virtual void on_tasks_returned(ReturnedTasks&& returned) = 0;
  /// A worker could not start (its message says why): the campaign cannot go on as planned.
  virtual void on_worker_fatal(int worker, const std::string& message) = 0;
  /// A worker said hello (host, pid and the GPUs it was bound to are in `info`).
  virtual void on_worker_joined(int worker, const WorkerInfo& info) {}
  /// A node leader worker's GPU readings (an opaque payload: telemetry/sample_wire.hpp reads it).
  virtual void on_gpu_samples(int worker, std::string&& payload) {}
};

struct DispatcherOptions {
  int slots_per_worker = 1;
  double lost_after_s = 0;  // a worker not heard from this long is lost: its tasks run elsewhere; 0 = never
  // Prefetch: when tasks are short, a worker holds (running plus queued) enough of them to cover about
  // prefetch_s of work, at most prefetch_max, so it never waits a round trip for its next task. Tasks that
  // take longer than prefetch_s go out one per slot: load balancing is unchanged where it matters.
  double prefetch_s = 0.002;
  int prefetch_max = 256;
  // Polled with the lost-worker check: worker ranks whose liveness connection to the server ended
  // (balancer/liveness.hpp), with why. They are lost at once, without waiting for lost_after_s.
  std::function<std::vector<std::pair<int, std::string>>()> dropped_workers;
};

/// A rank as the dispatcher knows it.
struct WorkerInfo {
  std::string host;        // from its hello
  std::int64_t pid = 0;
  std::string devices;     // the GPUs it was bound to (its CUDA_VISIBLE_DEVICES), "" = none
  double last_heard = 0;   // monotonic time of its last message; 0 = never
  bool lost = false;       // given up: nothing more is sent to it, late words change nothing
};

class Dispatcher {
 public:
  Dispatcher(Comm& comm, DispatcherOptions options = {});
  /// Where events go; set once, before any message is handled (the engine's Server does it).
  void attach(DispatchEvents& events) { events_ = &events; }

  // --- input: messages from workers ---
  /// Handles up to `max_messages` waiting messages; returns how many arrived.
  int poll(int max_messages);
  /// Decodes one message (one or more records) from rank `source` and handles each record.
  void on_message(int source, std::string_view bytes);
  void on_hello(int worker, std::string host, std::int64_t pid, std::string devices = {});
  void on_result(int worker, std::uint64_t task_id, core::TaskResult&& result);
  void on_progress(int worker, std::uint64_t task_id, double time, std::string&& payload);
  void on_fatal(int worker, const std::string& message);
  /// A worker whose task is stuck for good: that attempt fails with `message` (retried elsewhere per the
  /// engine's rules), and the worker is lost like a silent one.
  void on_retire(int worker, std::uint64_t task_id, const std::string& message);

  // --- output: tasks to workers ---
  void enqueue(const ReadyTask& task) { balancer_.enqueue(task); }
  /// Sends every ready task a free slot can take, batched one message per worker. Returns tasks sent (0
  /// while the gate is closed).
  std::size_t dispatch_ready();
  /// Sends `bytes` to the worker running `task_id`; false when no worker runs it now.
  bool send_to_task(std::uint64_t task_id, std::string_view bytes);
  /// Asks the worker running `task_id` to stop that task only (pruning); false when no worker runs it.
  bool stop_task(std::uint64_t task_id);
  /// Tells every worker not lost to stop (a lost one may be on a dead node: nothing is sent).
  void shutdown_workers();

  // --- liveness and drain ---
  /// Declares workers lost whose liveness connection dropped, or not heard from for lost_after_s (by
  /// monotonic `now`).
  void check_lost_workers(double now);
  /// Gives a worker up: its tasks come back through on_tasks_returned with `kind` ("lost", "drain").
  void release_worker(int worker, const std::string& why, const char* kind);
  /// Gives up every worker still running a task (the end of a drain's grace).
  void release_busy_workers(const std::string& why, const char* kind);
  void close_gate() { gate_closed_ = true; }
  bool gate_closed() const { return gate_closed_; }

  // --- state ---
  /// The worker running `task_id`, if one does.
  std::optional<int> worker_of(std::uint64_t task_id) const;
  const WorkerInfo& worker(int rank) const { return workers_[static_cast<std::size_t>(rank)]; }
  /// "worker rank 3 on node7" (or without the host when it never said hello).
  std::string describe(int worker) const;
  std::size_t worker_count() const { return balancer_.worker_count(); }
  std::size_t in_flight_count() const { return balancer_.in_flight_count(); }
  const std::unordered_set<std::uint64_t>& tasks_of(int worker) const { return balancer_.tasks_of(worker); }
  std::size_t lost_count() const { return lost_count_; }
  /// (host, pid) of each lost worker.
  std::vector<std::pair<std::string, std::int64_t>> lost_processes() const;
  int size() const { return comm_.size(); }

 private:
  void adapt_prefetch(const core::TaskResult& r);
  void send_batches();
  void set_running(std::uint64_t task_id, int worker);

  Comm& comm_;
  DispatcherOptions options_;
  DispatchEvents* events_ = nullptr;
  Balancer balancer_;
  std::vector<WorkerInfo> workers_;   // by rank
  std::size_t lost_count_ = 0;
  // By task id: the worker running it, -1 when none. Task ids are dense (index + 1, or the ids a resumed
  // run recorded), so a vector costs one slot per task and a lookup no hashing.
  std::vector<int> running_on_;
  std::vector<std::string> outbox_;  // by rank: task records to send at the end of this dispatch round
  std::vector<int> outbox_ranks_;    // ranks with records in outbox_
  double mean_task_s_ = -1;          // moving average of task run times; < 0 until a result arrives
  std::size_t results_seen_ = 0;
  bool gate_closed_ = false;
};

}  // namespace sv::balancer
