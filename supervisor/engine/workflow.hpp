// Workflow: a builder that feeds nodes into the Graph. Terms: the server calls start() once, top_up()
// whenever few nodes are ready (so a sweep of a million tuples never sits in memory as nodes at once),
// and on_node_finished() after each node ends, where dynamic workflows (searches, sublearning) add nodes.
// A workflow is *exhausted* when it will add no more nodes.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/graph.hpp"
#include "eq/port.hpp"
#include "store/store.hpp"
#include "spec/workflow_spec.hpp"

namespace sv::engine {

class Workflow {
 public:
  virtual ~Workflow() = default;
  virtual void start(Graph& graph) = 0;
  /// Adds up to `wanted` more nodes if the workflow has them.
  virtual void top_up(Graph& graph, std::size_t wanted) {}
  virtual void on_node_finished(Graph& graph, std::size_t index) {}
  /// The worker rank whose task for the node just reported (each attempt), before on_node_finished: a
  /// workflow that hands weights parent -> child uses it as the child's preferred worker.
  virtual void on_node_ran(std::size_t index, int worker) {}
  /// A node whose result an earlier session of the run recorded (see Server::restore). Dynamic workflows
  /// add its children here as on a live result; an optimizer has it through its replay instead.
  virtual void on_node_restored(Graph& graph, std::size_t index) { on_node_finished(graph, index); }
  /// Called on every turn of the server loop: take input from outside the graph (an optimizer).
  virtual void poll(Graph& graph) {}
  /// Called once when the graph is finished, before the workers are sent home.
  virtual void finish(Graph& graph) {}
  virtual bool exhausted() const = 0;
  /// Set when the workflow cannot go on (an optimizer died): the campaign stops with this message.
  virtual std::optional<std::string> fatal() const { return std::nullopt; }
  /// False when the workflow never looks at a node once it finished (a sweep): the graph then forgets a
  /// finished node as soon as the store has its row.
  virtual bool reads_finished_nodes() const { return true; }
  /// Total number of nodes when known in advance (for progress), else 0.
  virtual std::size_t expected_total() const { return 0; }

  /// Set by the server before finish() during a walltime drain: the wall time by which finish() must
  /// return (0: no limit), so waiting for an optimizer's last message never outlasts the allocation.
  double finish_by = 0;

  /// Set by the server: records an event (kind, message) in the store.
  std::function<void(const std::string& kind, const std::string& message)> record_event;

  // pbt hooks, set by the server (Server::start): a workflow that records its nodes' task ids in a table
  // of its own (engine/pbt.hpp) needs the id of a node it added, a way to keep a recorded id for a node it
  // re-creates on resume (before any id is handed out, i.e. in start()), and a commit of every task row
  // before it records what follows from a result.
  std::function<std::int64_t(std::size_t index)> task_id_of;
  std::function<void(const std::string& node_id, std::int64_t task_id)> reserve_task_id;
  std::function<void()> commit_now;
};

/// What running a workflow needs beyond its spec; the default (nothing) builds it to check its inputs.
struct WorkflowEnv {
  std::vector<store::TaskRow> previous;  // a resumed run: every task earlier sessions recorded
  /// A search's optimizer, already started (eq::start_optimizer); null: the search proposes nothing.
  std::unique_ptr<eq::OptimizerPort> optimizer;
  double optimizer_time_s = 0;  // a resumed search: optimizer time earlier sessions used (max_time)
  store::Store* store = nullptr;  // pbt: the run's store (its pbt_segments table); null when checking only
};

/// Builds the workflow a spec names. Throws core::ConfigError for inputs it cannot run (a sweep file
/// that does not parse, a kind this build does not run yet).
std::unique_ptr<Workflow> make_workflow(const spec::WorkflowSpec& spec, WorkflowEnv env = {});

}  // namespace sv::engine
