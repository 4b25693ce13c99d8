// Server: rank 0's event loop. It feeds the Graph's ready nodes to the Balancer, sends tasks through the
// Comm, records every dispatch, result and progress message in the Store, and tells the Workflow when a
// node ends. Handlers (on_hello, on_result, ...) are plain functions over this state, so tests drive the
// server with an in-memory Comm. The engine never touches MPI.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "balancer/balancer.hpp"
#include "balancer/comm.hpp"
#include "balancer/protocol.hpp"
#include "engine/graph.hpp"
#include "engine/pruning.hpp"
#include "engine/workflow.hpp"
#include "store/store.hpp"

namespace sv::engine {

struct ModelInfo {
  std::string name;
  int retries = 0;
};

/// What the progress display needs, handed out about once a second.
struct Progress {
  GraphCounts counts;
  std::size_t expected_total = 0;  // 0 = unknown
  std::optional<double> best;
  double elapsed = 0;
  std::size_t workers = 0;
};

struct ServerOptions {
  std::vector<ModelInfo> models{ModelInfo{}};
  bool minimize = true;
  double flush_interval_s = 0.25;        // a result is committed at most this long after it arrives
  std::size_t flush_max_writes = 2000;   // or as soon as this many writes are buffered (and none in flight)
  int max_sleep_us = 1000;
  int slots_per_worker = 1;
  // Prefetch: when tasks are short, a worker holds (running plus queued) enough of them to cover about
  // prefetch_s of work, at most prefetch_max, so it never waits a round trip for its next task. Tasks that
  // take longer than prefetch_s go out one per slot: load balancing is unchanged where it matters.
  double lost_after_s = 0;  // a worker not heard from this long is lost: its tasks run elsewhere; 0 = never
  double prefetch_s = 0.002;
  int prefetch_max = 256;
  double drain_at = 0;  // wall clock: stop dispatching, models are asked to checkpoint; 0 = never
  double stop_at = 0;   // wall clock: stop waiting for running tasks (they re-run on resume)
  // A drain on request (a signal): polled every round; a non-empty answer says why, and the drain starts.
  std::function<std::string()> drain_requested;
  // Once a drain started, running models get this long to stop (and never past stop_at); a worker still
  // busy then is given up like a lost one, its tasks pending for resume, so the job can end.
  double drain_grace_s = 20;
  std::function<void(const Progress&)> on_progress;  // called about once a second, and at the end
  // Called about once a second on the server's thread, and once at the end: the place for other writes
  // to the store that the loop owns (GPU samples, cli/run.cpp).
  std::function<void()> on_tick;
  // [gpu2] A node leader worker's GPU readings (balancer::GpuSamplesMsg's payload); they go to the store
  // with the next on_tick (telemetry::SampleInbox, cli/run.cpp).
  std::function<void(std::string_view payload)> on_gpu_samples;
  // cluster2 hook: polled about once a second; worker ranks whose liveness connection to the server ended
  // (balancer/liveness.hpp), with why. They are lost at once, without waiting for lost_after_s.
  std::function<std::vector<std::pair<int, std::string>>()> dropped_workers;
};

struct RunOutcome {
  bool ok = true;              // false when a worker could not start or the job failed
  bool drained = false;        // stopped for the walltime or a signal with work left: resumable
  std::string drain_reason;    // "walltime drain", "SIGTERM", ... when a drain started
  std::string fatal_message;   // why, for the user
  GraphCounts counts;
  double elapsed = 0;
  std::optional<double> best;
  std::size_t lost_workers = 0;  // ranks that stopped answering; they cannot be shut down cleanly
  std::vector<std::pair<std::string, std::int64_t>> lost_processes;  // (host, pid) of each
};

class Server {
 public:
  Server(balancer::Comm& comm, store::Store& store, Workflow& workflow, ServerOptions options);

  /// Tasks an earlier session of this run recorded. A node that comes up with the same id and parameters
  /// as a recorded done or failed task is not run again: its recorded result stands, and the workflow
  /// hears of it through on_node_restored. A recorded task that had not finished runs again, its attempts
  /// counted on from the record. Call before run().
  void restore(std::vector<store::TaskRow> rows);

  /// Runs until every node is finished (or a worker reports a fatal error), then shuts the workers down.
  RunOutcome run();

  // --- steps of run(), public so tests can drive the server message by message ---
  void start();
  void on_message(int source, std::string_view bytes);
  void on_hello(int worker, const balancer::HelloMsg& m);
  void on_result(int worker, balancer::ResultMsg& m);
  void on_progress(int worker, const balancer::ProgressMsg& m);
  void on_fatal(int worker, const balancer::FatalMsg& m);
  /// Declares workers not heard from for lost_after_s lost and runs their tasks again elsewhere.
  void check_lost_workers(double now);
  /// A worker whose task is stuck for good: that attempt fails with its message (retried elsewhere per
  /// model.retries), and the worker is lost like a silent one.
  void on_retire(int worker, balancer::RetireMsg& m);
  /// Moves ready nodes into the balancer and sends what can be sent. Returns tasks sent.
  std::size_t pump();
  bool finished() const;
  /// Hands every task state changed since the last call to the store and commits it.
  void flush();
  /// Tells every worker not declared lost to stop (a lost one may be on a dead node: nothing is sent).
  void shutdown_workers();
  const Graph& graph() const { return graph_; }
  // --- prune (issue 16): early stopping; the lead ports these onto the dispatcher ---
  /// Progress reports go to `pruning` (restored from the store first); a stop decision stops the task.
  void set_pruning(std::unique_ptr<Pruning> pruning);
  /// Asks the worker running `task_id` to stop it (StopTaskMsg); its result then comes back pruned. Only a
  /// running task that reported an epoch is stopped, once; false otherwise.
  bool stop_task(std::uint64_t task_id);

 private:
  // Everything the store row of a task holds beyond its node: rows are built from this only when they are
  // written (flush), so a task that goes pending -> running -> done between two flushes costs one row.
  struct TaskInfo {
    int attempts = 0;   // starts, across sessions
    int failures = 0;   // failed attempts in this campaign, for model.retries
    int worker = -1;
    bool dirty = false;  // changed since the last flush (listed in dirty_)
    store::TaskStatus status = store::TaskStatus::pending;
    double submit_time = 0, dispatch_time = 0, start_time = 0, end_time = 0;
    double changed_at = 0;  // wall clock of the last status change
    std::optional<double> objective;
    std::int64_t result_seq = 0;
    std::string error;  // of the last failed attempt; a failed node's own error lives in the graph
    bool reported_epoch = false;  // prune: a model that never reports epochs is never stopped
    bool stop_sent = false;       // prune: StopTaskMsg sent for the current attempt
  };
  RunOutcome run_loop();
  store::TaskRow row_for(std::size_t index) const;
  void set_status(std::size_t index, store::TaskStatus status);
  /// Hands changed rows to the store: final ones, and others whose state is older than settled_before.
  void write_dirty_rows(double settled_before);
  void lose_worker(int worker, const std::string& why);
  /// Gives a worker up: its tasks go back to pending (run elsewhere, or on resume); one event of `kind`.
  void release_worker(int worker, const std::string& why, const char* kind);
  void begin_drain(const std::string& why);
  /// At the end of a drain's grace: workers still running a task are released, their tasks pending.
  void stop_busy_workers();
  void send_batches();
  void adapt_prefetch(const balancer::ResultMsg& m);
  bool try_restore(std::size_t index);
  std::uint64_t task_id_of(std::size_t index) const;
  std::size_t index_of(std::uint64_t task_id) const;
  void dispatch(const balancer::Assignment& a);
  Progress progress() const;

  balancer::Comm& comm_;
  store::Store& store_;
  Workflow& workflow_;
  ServerOptions options_;
  Graph graph_;
  balancer::Balancer balancer_;
  std::vector<TaskInfo> tasks_;       // by node index
  std::vector<std::string> hosts_;    // by rank
  std::vector<double> last_heard_;    // by rank: monotonic time of its last message
  std::vector<std::int64_t> pids_;    // by rank, from its hello
  std::vector<bool> lost_;            // by rank
  std::size_t lost_count_ = 0;
  std::vector<std::string> outbox_;  // by rank: task records to send at the end of this pump
  std::vector<int> outbox_ranks_;    // ranks with records in outbox_
  std::vector<std::size_t> dirty_;   // node indexes whose row changed since the last flush
  std::size_t dirty_final_ = 0;      // of those, tasks that ended (done or failed)
  double now_ = 0;                   // wall clock of the current dispatch round
  double mean_task_s_ = -1;          // moving average of task run times; < 0 until a result arrives
  std::size_t results_seen_ = 0;
  std::size_t dispatches_ = 0;
  std::optional<double> best_;
  std::unordered_map<std::string, store::TaskRow> restored_;  // node id -> record of an earlier session
  std::int64_t result_seq_ = 0;
  // Task ids: index + 1 in a fresh run; in a resumed one each node keeps its recorded id (remap_).
  bool remap_ = false;
  std::unordered_map<std::string, std::int64_t> recorded_ids_;
  // Filled lazily, on a node's first use: a memo of a fixed mapping, hence mutable.
  mutable std::vector<std::uint64_t> ids_;                        // node index -> task id
  mutable std::unordered_map<std::uint64_t, std::size_t> indexes_;  // task id -> node index
  mutable std::uint64_t next_task_id_ = 1;
  std::size_t restored_count_ = 0;
  std::optional<std::string> fatal_;
  bool draining_ = false;
  std::string drain_reason_;
  double drain_started_ = 0;
  double hard_stop_at_ = 0;  // wall clock: a drain stops waiting for running models (0 = not draining)
  double started_ = 0;
  std::unique_ptr<Pruning> pruning_;  // prune: nullptr without optimizer.pruner
};

}  // namespace sv::engine
