// Store: one SQLite file per run (WAL), written only by rank 0. Terms: a *run* is one campaign (one row
// in `runs`); a *session* is one MPI job working on it (a resume adds a session); a *task* is the
// execution record of one engine node; *metrics* are per-epoch rows a model reports while it runs.
// Writes are buffered and committed in batches: a task row counts as recorded only after flush().
#pragma once
#include <cstdint>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct sqlite3;

namespace sv::store {

namespace detail {
struct FlushStatements;
}

/// 2: tasks.result_seq and the submissions table (both may be missing from a version-1 store).
/// 3: task status `pruned`, and the unused `artifacts` table dropped (schema.cpp rebuilds the tasks table of an older store for its CHECK).
inline constexpr int kSchemaVersion = 3;

/// pruned: stopped early by a pruner (the server's per-task stop); finished for good, with the metrics
/// and epoch it reached, like done for a resume.
enum class TaskStatus { pending, running, done, failed, canceled, pruned };
const char* to_string(TaskStatus s);
TaskStatus task_status_from_string(const std::string& s);  // throws StoreError on unknown text

struct RunInfo {
  std::string name;
  std::string workflow;     // sweep | hpo | ...
  std::string spec_text;    // the workflow YAML as given
  std::string spec_hash;
  std::string spec_path;
  std::string out_dir;
  std::string status;       // running | done | failed | interrupted
  double created = 0, updated = 0;
};

struct SessionInfo {
  std::int64_t id = 0;
  double started = 0, ended = 0;
  int workers = 0;
  std::string host;
  std::string job_id;
  std::string status;  // running | done | failed | drained | killed (ended without a word; set by a resume)
};

struct TaskRow {
  std::int64_t id = 0;       // assigned by the server, unique within the run
  std::string node_id;       // engine node id, unique within the run
  std::string model;         // model name/kind
  std::string params;        // the tuple as canonical JSON
  std::string params_hash;
  TaskStatus status = TaskStatus::pending;
  int attempts = 0;
  int worker = -1;           // MPI rank, -1 when not dispatched
  std::string host;
  double submit_time = 0, dispatch_time = 0, start_time = 0, end_time = 0;  // 0 = not yet
  std::optional<double> objective;
  std::string result;        // JSON text, "" when none
  std::string error;         // message + traceback, "" when none
  std::int64_t result_seq = 0;  // order in which the server took final results (1, 2, ...); 0 = none yet
  // The store already holds this task's model, params and hash (left empty here): the write updates its
  // state only. A write that is not state-only writes them too (the first, or new params on a forced resume).
  bool state_only = false;
};

struct MetricRow {
  std::int64_t task_id = 0;
  std::string node_id;
  int attempt = 0;
  int epoch = 0;
  double time = 0;
  std::string metrics;  // JSON object text
};

struct EventRow {
  double time = 0;
  std::string kind;  // optimizer | engine | balancer | ...
  std::string message;
};

/// One reading of one GPU (cli/server_rank.cpp samples rank 0's node through telemetry::GpuSampler, and each
/// other node's leader worker sends its own). The table
/// gpu_samples is made on the first write, so runs without GPUs have none (store/gpu_samples.cpp).
struct GpuSampleRow {
  double time = 0;
  std::string host;
  int gpu = 0;               // NVML index on the host
  std::string uuid;
  double busy = 0;           // 0..1
  std::int64_t memory_used = 0;   // bytes
  std::int64_t memory_total = 0;  // bytes
};

/// One worker rank of one session, from its hello (store/workers.cpp): where it ran and the GPUs it was
/// given. A task's device is its worker's `devices` in the session that dispatched it (task_devices).
struct WorkerRow {
  std::int64_t session = 0;  // sessions.id; 0 when writing = the latest session (this job's)
  int rank = 0;
  std::string host;
  std::int64_t pid = 0;
  std::string devices;  // the worker's CUDA_VISIBLE_DEVICES (or AMD equivalent) value, "" when none was set
  double time = 0;      // when its hello arrived
};

/// One batch job handed to a scheduler by `supervisor submit` (the first job, then each successor).
/// One pruning decision (engine/pruning.hpp): a trial judged at a rung (ASHA, Hyperband: go on or stop)
/// or stopped by the median rule. Table prune_decisions, made on the first write (store/prune_decisions.cpp).
struct PruneDecisionRow {
  double time = 0;
  std::int64_t task_id = 0;
  std::string node_id;
  int epoch = 0;        // the epoch the trial reported
  int rung = -1;        // -1: no rungs (median)
  int rung_epoch = 0;   // the epoch compared at
  bool stop = false;
  std::string pruner;       // asha | hyperband | median
  std::string values;       // JSON array: the trial's values, one per pruner metric
  std::string rung_values;  // JSON array of arrays: the others' at the rung when it was judged
};

/// One PBT segment (engine/pbt.hpp): a task that trained one member for interval_epochs from the weights
/// of `parent_task_id`. Table pbt_segments, made on the first write (store/pbt_segments.cpp); its columns
/// are a fixed contract with the report (plots).
struct PbtSegmentRow {
  std::int64_t task_id = 0;
  int member = 0;
  int segment = 0;
  int start_epoch = 0;
  int end_epoch = 0;
  std::optional<std::int64_t> parent_task_id;  // none at segment 0
  std::optional<int> parent_member;
  bool exploited = false;   // took another member's weights and perturbed hyperparameters
  std::string params;       // JSON object: the hyperparameters this segment trains with
  std::optional<double> score;  // none until the segment finished (or when it failed)
};

struct SubmissionRow {
  std::int64_t id = 0;
  double time = 0;
  std::string scheduler;  // slurm | lsf | pbs | cobalt | local
  std::string job_id;     // as the scheduler printed it
  std::string script;     // the job script's path
  std::string site;       // the site's name
  int resubmits_left = 0; // successors this job may still submit
};

struct StatusCounts {
  std::int64_t pending = 0, running = 0, done = 0, failed = 0, canceled = 0, pruned = 0;
  std::int64_t total() const { return pending + running + done + failed + canceled + pruned; }
};

enum class OpenMode { read_only, read_write };

/// Not thread-safe: one thread uses a Store at a time (rank 0's server loop). Other processes may open
/// the same file read_only at any time.
class Store {
 public:
  /// Creates a new store at `path` (must not exist) and writes the run row.
  static std::unique_ptr<Store> create(const std::string& path, const RunInfo& run);
  /// Opens an existing store. Throws StoreError naming the path when it is not a Supervisor store,
  /// is corrupted or locked, or has a newer schema than this build understands.
  static std::unique_ptr<Store> open(const std::string& path, OpenMode mode);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- writes (buffered; rank 0 only) ---
  /// Records the latest state of a task. Several updates of one task between flushes cost one row write
  /// (a state-only update of a row not yet written keeps the params it brought).
  /// A task id keeps the node_id it was first written with; flush() refuses a row that changes it.
  void put_task(const TaskRow& row);
  void put_task(TaskRow&& row);
  void add_metric(MetricRow row);
  void add_event(const std::string& kind, const std::string& message, double time);
  void set_run_status(const std::string& status);
  /// Stamps runs.updated at the next flush even when nothing else changed: a live server does this every
  /// few seconds, so a reader can tell a quiet run from a job that was killed.
  void touch();
  std::int64_t begin_session(const SessionInfo& s);  // immediate commit
  void end_session(std::int64_t id, const std::string& status, double ended);  // immediate commit
  /// Ends every session still marked running (their jobs were killed without a word: call it only while
  /// holding the run) with `status` at `ended`; returns their ids. Immediate commit.
  std::vector<std::int64_t> end_unfinished_sessions(const std::string& status, double ended);
  std::int64_t add_submission(const SubmissionRow& s);  // immediate commit; returns its id
  /// Appends GPU readings in one transaction (immediate commit, a few rows every few seconds).
  void add_gpu_samples(const std::vector<GpuSampleRow>& rows);
  /// Records a worker's hello (immediate commit: once per worker and session, never per task).
  void add_worker(const WorkerRow& row);
  /// Records one pruning decision (immediate commit: a few per trial, and a resume must see every one).
  void add_prune_decision(const PruneDecisionRow& row);
  /// pbt: records a segment when it is created, and its score when it finished (immediate commits: one
  /// each per segment, and a resume must see every one).
  void add_pbt_segment(const PbtSegmentRow& row);
  void set_pbt_score(std::int64_t task_id, std::optional<double> score);
  /// Replaces the run's workflow text and hash (a resume with --force); immediate commit.
  void set_spec(const std::string& spec_text, const std::string& spec_hash);
  /// Commits everything buffered in one transaction. On failure nothing is committed, every write stays
  /// buffered and StoreError is thrown, so a later flush() can retry. No-op when nothing is buffered.
  void flush();
  /// Starts committing everything buffered on a background thread and returns at once, so the server
  /// goes on dispatching while SQLite writes (on another core). At most one commit is in flight; every
  /// call that touches the file (a flush, a read, an immediate commit, closing) first waits for it, so it
  /// is never read around. If it fails, its writes are buffered again, behind newer ones, and the next
  /// call that waits throws the StoreError (flush() retries them once before throwing).
  void flush_in_background();
  /// True while a background commit is still writing (a caller that must not wait can flush later).
  bool commit_in_flight() const { return committer_.joinable() && !commit_finished_.load(); }
  std::size_t pending_writes() const;

  // --- reads (any process; read-only opens never block the writer thanks to WAL) ---
  // Reads see committed data only: writes still buffered in this Store (see pending_writes()) are not
  // visible, not even to this Store, until flush() returns.
  RunInfo run() const;
  std::vector<SessionInfo> sessions() const;
  StatusCounts counts() const;
  std::vector<TaskRow> tasks() const;                          // all, by id
  /// By id, at most `limit` (< 0: all), so `status` stays quick on a run with many failures.
  std::vector<TaskRow> tasks_with_status(TaskStatus s, int limit = -1) const;
  /// Done tasks with an objective, best first (ascending when `minimize`), at most `limit` (< 0: all).
  std::vector<TaskRow> best_tasks(int limit, bool minimize) const;
  std::optional<TaskRow> task_by_node(const std::string& node_id) const;
  std::vector<MetricRow> metrics(const std::string& node_id = "") const;  // "" = all, by task, epoch
  std::vector<EventRow> events() const;                        // in the order they were added
  std::vector<SubmissionRow> submissions() const;              // in the order they were made
  std::vector<GpuSampleRow> gpu_samples() const;               // by time; empty when the run saw no GPU
  std::vector<WorkerRow> workers() const;                      // by session, rank; empty before any hello
  /// Task id -> the devices of the worker that ran its latest attempt (tasks never dispatched, or run by a
  /// store's sessions from before the workers table, are absent).
  std::unordered_map<std::int64_t, std::string> task_devices() const;
  std::string task_device(std::int64_t task_id) const;        // one task's; "" when unknown
  std::vector<PruneDecisionRow> prune_decisions() const;       // in the order made; empty without pruning
  std::vector<PbtSegmentRow> pbt_segments() const;             // by task id (creation order); empty without pbt
  int schema_version() const;

 private:
  Store(sqlite3* db, std::string path, bool writable);
  struct Event {
    std::string kind, message;
    double time;
  };
  // Writes not yet committed.
  struct Buffers {
    std::unordered_map<std::int64_t, TaskRow> tasks;  // latest state of each task
    std::vector<MetricRow> metrics;
    std::vector<Event> events;
    std::optional<std::string> run_status;
    bool touch = false;
    std::size_t size() const;
    /// Puts `older` (a failed commit) back before these: a task keeps its newer state.
    void merge_older(Buffers&& older);
  };
  void exec(const char* sql);
  Buffers& buffer();  // buffers_ for a new write
  void require_writable(const char* operation) const;  // throws StoreError on a read_only store
  void commit(const Buffers& b);                        // one transaction; throws StoreError
  void write_buffers(detail::FlushStatements& st, const Buffers& b);  // inside commit()'s transaction
  /// The connection, once no background commit is using it; throws a background commit's error.
  sqlite3* conn() const;
  void wait_for_commit() const;
  sqlite3* db_;
  std::string path_;
  bool writable_;
  bool has_result_seq_;  // false only for a version-1 store opened read_only (the writer migrates it)
  // mutable: a read waits for (and may take back the writes of) a background commit.
  mutable Buffers buffers_;
  mutable std::thread committer_;
  mutable Buffers committing_;                  // what committer_ is writing
  std::atomic<bool> commit_finished_{false};    // committer_ is done (it may still need joining)
  mutable std::optional<std::string> commit_error_;
  // The buffered writes are exactly those whose failed commit the caller was last told of (by a throw from
  // flush() or a wait): closing then need not report them a second time.
  mutable bool failure_reported_ = false;
  std::unique_ptr<detail::FlushStatements> flush_stmts_;  // prepared on first flush, reused after
};

}  // namespace sv::store
