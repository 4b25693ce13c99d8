// Server: rank 0's campaign. Terms: it feeds the Graph's ready nodes to the Dispatcher, hears back through
// DispatchEvents (a result, tasks returned, progress, a worker that cannot start), records every task's
// state in the Store, and tells the Workflow when a node ends. The events are typed calls, so tests drive
// the server without bytes. The engine never touches MPI or the wire format.
#pragma once
#include <functional>
#include <memory>
#include <string_view>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "balancer/dispatcher.hpp"
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
  double drain_at = 0;  // wall clock: stop dispatching, models are asked to checkpoint; 0 = never
  double stop_at = 0;   // wall clock: stop waiting for running tasks (they re-run on resume)
  // A drain on request (a signal): polled every round; a non-empty answer says why, and the drain starts.
  std::function<std::string()> drain_requested;
  // Once a drain started, running models get this long to stop (and never past stop_at); a worker still
  // busy then is given up like a lost one, its tasks pending for resume, so the job can end.
  double drain_grace_s = 20;
  std::function<void(const Progress&)> on_progress;  // called about once a second, and at the end
  // Called about once a second on the server's thread, and once at the end: the place for other writes
  // to the store that the loop owns (GPU samples, cli/server_rank.cpp).
  std::function<void()> on_tick;
  // A node leader worker's GPU readings (balancer::GpuSamplesMsg's payload); they go to the store with the
  // next on_tick (telemetry::SampleInbox, cli/server_rank.cpp).
  std::function<void(std::string_view payload)> on_gpu_samples;
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

class Server : public balancer::DispatchEvents {
 public:
  /// Attaches itself to `dispatcher` (its events come here).
  Server(balancer::Dispatcher& dispatcher, store::Store& store, Workflow& workflow, ServerOptions options);

  /// Tasks an earlier session of this run recorded. A node that comes up with the same id and parameters
  /// as a recorded done or failed task is not run again: its recorded result stands, and the workflow
  /// hears of it through on_node_restored. A recorded task that had not finished runs again, its attempts
  /// counted on from the record. Call before run().
  void restore(std::vector<store::TaskRow> rows);

  /// Runs until every node is finished (or a worker reports a fatal error), then shuts the workers down.
  RunOutcome run();

  // --- DispatchEvents ---
  balancer::TaskToSend on_task_sent(std::uint64_t task_id, int worker) override;
  void on_task_result(std::uint64_t task_id, int worker, core::TaskResult&& result) override;
  void on_task_progress(std::uint64_t task_id, int worker, double time, std::string&& payload) override;
  void on_tasks_returned(balancer::ReturnedTasks&& returned) override;
  void on_worker_fatal(int worker, const std::string& message) override;
  void on_worker_joined(int worker, const balancer::WorkerInfo& info) override;
  void on_gpu_samples(int worker, std::string&& payload) override;

  // --- early stopping (optimizer.pruner) ---
  /// Progress reports go to `pruning` (restored from the store first); a stop decision stops the task.
  void set_pruning(std::unique_ptr<Pruning> pruning);
  /// Asks the worker running `task_id` to stop it; its result then comes back pruned. Only a running task
  /// that reported an epoch is stopped, once per attempt; false otherwise.
  bool stop_task(std::uint64_t task_id);

  // --- steps of run(), public so tests can drive the server event by event ---
  void start();
  /// Moves ready nodes into the dispatcher and sends what can be sent. Returns tasks sent.
  std::size_t pump();
  bool finished() const;
  /// Hands every task state changed since the last call to the store and commits it.
  void flush();
  const Graph& graph() const { return graph_; }
  /// The node of a task id, or nullptr for an id this run never gave out.
  const Node* node_of(std::uint64_t task_id) const;

 private:
  RunOutcome run_loop();
  /// Notes that a node's task state changed (after the graph changed it), so its row is written.
  void mark_dirty(std::size_t index);
  /// Hands changed rows to the store: final ones, and others whose state is older than settled_before.
  void write_dirty_rows(double settled_before);
  void begin_drain(const std::string& why);
  /// At the end of a drain's grace: workers still running a task are released, their tasks pending.
  void stop_busy_workers();
  bool try_restore(std::size_t index);
  void note_best(const std::optional<double>& objective);
  std::uint64_t task_id_of(std::size_t index) const;
  std::size_t index_of(std::uint64_t task_id) const;
  Progress progress() const;

  balancer::Dispatcher& dispatcher_;
  store::Store& store_;
  Workflow& workflow_;
  ServerOptions options_;
  Graph graph_;
  std::vector<std::size_t> dirty_;   // node indexes whose row changed since the last flush
  std::size_t dirty_final_ = 0;      // of those, tasks that ended (done or failed)
  double now_ = 0;                   // wall clock of the current dispatch round
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
  std::unique_ptr<Pruning> pruning_;  // nullptr without optimizer.pruner
};

}  // namespace sv::engine
