// Graph: the dataflow state of a run. Terms: a *node* is one unit of work with a string id that reads as a
// path (`1.2.3` is child 3 of `1.2`) and one task; it is *waiting* until every node it runs `after` is
// done, then *ready*, *running*, and finally *done* or *failed*. Nodes can be added while the job runs
// (optimizers, sublearning). A node whose dependency failed fails too. A node holds its task's whole
// state: its *outcome* (the last attempt's core::TaskResult) and its *record* (attempts, worker, times:
// what the store row says beyond the outcome). No MPI here.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/task_result.hpp"

namespace sv::engine {

enum class NodeState { waiting, ready, running, done, failed };
const char* to_string(NodeState s);

struct NodeDef {
  std::string id;
  std::uint32_t model = 0;
  std::string params;                // JSON object text (the tuple)
  std::vector<std::string> after;    // ids of nodes that must be done first; they must already exist
  int priority = 0;
  int preferred_worker = -1;
};

/// What the store row of a node's task holds beyond its definition and outcome.
struct TaskRecord {
  int attempts = 0;   // starts, across sessions
  int failures = 0;   // failed attempts in this campaign, for model.retries
  int worker = -1;    // rank of the last start
  double submit_time = 0, dispatch_time = 0;
  double changed_at = 0;        // wall clock of the last state change
  std::int64_t result_seq = 0;  // order in which the server took final results; 0 = none yet
  bool dirty = false;           // changed since the store last had its row
  bool in_store = false;        // the store holds its params: later writes carry the state only
  bool reported_epoch = false;  // this attempt reported an epoch (a model that never does is never pruned)
  bool stop_sent = false;       // this attempt was asked to stop (pruning)
};

struct Node {
  NodeDef def;
  std::string params_hash;
  NodeState state = NodeState::waiting;
  int unmet = 0;                     // dependencies not yet done
  std::vector<std::size_t> children;
  // The last attempt's outcome; result text only once done (kept for children to read), error the last
  // failed attempt's (or why the node failed).
  core::TaskResult outcome;
  TaskRecord record;

  /// The result, parsed on first use and kept (builders that read a parent's result parse it once).
  /// A discarded value when the text is not JSON.
  const nlohmann::json& result_json() const;

 private:
  friend class Graph;  // a new result drops the parse; forget() marks the node
  mutable std::shared_ptr<const nlohmann::json> parsed_;
  bool forgotten_ = false;
};

struct GraphCounts {
  std::size_t waiting = 0, ready = 0, running = 0, done = 0, failed = 0;
  std::size_t unfinished() const { return waiting + ready + running; }
};

class Graph {
 public:
  /// Adds a node; throws core::ConfigError for a bad or duplicate id or an unknown dependency.
  std::size_t add(NodeDef def);
  /// Nodes that became ready since the last call, in the order they became ready.
  std::vector<std::size_t> take_ready();
  /// Nodes failed because a dependency failed (not by their own task), since the last call.
  std::vector<std::size_t> take_cascaded_failures();
  void mark_running(std::size_t index);
  void mark_done(std::size_t index, core::TaskResult result);
  void mark_done(std::size_t index, std::string result, std::optional<double> objective);
  /// Fails the node with `error` (its outcome keeps the attempt's times and objective).
  void mark_failed(std::size_t index, std::string error);
  /// Returns a running node to ready (a lost worker, a retry).
  void requeue(std::size_t index);

  /// Drops a finished node that nothing reads any more (a sweep's, once stored): its index stays taken
  /// and counted, but node(index) is gone (holds() says so) and find() no longer knows its id. Nodes are
  /// kept in chunks, and a chunk whose nodes are all forgotten is freed.
  void forget(std::size_t index);
  /// False for an index never given out or forgotten.
  bool holds(std::size_t index) const {
    return index < size_ && chunks_[index >> kChunkBits] && !at(index).forgotten_;
  }

  const Node& node(std::size_t index) const { return at(index); }
  /// The task state the server keeps (the outcome of an attempt that did not end the node, the record).
  core::TaskResult& outcome(std::size_t index) { return at(index).outcome; }
  TaskRecord& record(std::size_t index) { return at(index).record; }
  std::optional<std::size_t> find(const std::string& id) const;
  std::size_t size() const { return size_; }
  const GraphCounts& counts() const { return counts_; }

 private:
  static constexpr std::size_t kChunkBits = 12, kChunk = std::size_t{1} << kChunkBits;
  Node& at(std::size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  void set_state(Node& n, NodeState s);
  void make_ready(std::size_t index);
  std::vector<std::unique_ptr<Node[]>> chunks_;  // kChunk nodes each; null once all are forgotten
  std::vector<std::uint32_t> forgotten_;          // by chunk
  std::size_t size_ = 0;
  std::unordered_map<std::string, std::size_t> by_id_;
  void fail_dependents(const Node& n);
  std::vector<std::size_t> newly_ready_;
  std::vector<std::size_t> cascaded_failures_;
  GraphCounts counts_;
};

}  // namespace sv::engine
