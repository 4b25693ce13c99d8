// Workflow: a builder that feeds nodes into the Graph. Terms: the server calls start() once, top_up()
// whenever few nodes are ready (so a sweep of a million tuples never sits in memory as nodes at once),
// and on_node_finished() after each node ends, where dynamic workflows (searches, sublearning) add nodes.
// A workflow is *exhausted* when it will add no more nodes.
#pragma once
#include <cstddef>
#include <memory>

#include "engine/graph.hpp"
#include "spec/workflow_spec.hpp"

namespace sv::engine {

class Workflow {
 public:
  virtual ~Workflow() = default;
  virtual void start(Graph& graph) = 0;
  /// Adds up to `wanted` more nodes if the workflow has them.
  virtual void top_up(Graph& graph, std::size_t wanted) {}
  virtual void on_node_finished(Graph& graph, std::size_t index) {}
  virtual bool exhausted() const = 0;
  /// Total number of nodes when known in advance (for progress), else 0.
  virtual std::size_t expected_total() const { return 0; }
};

/// Builds the workflow a spec names. Throws core::ConfigError for kinds this build does not run yet.
std::unique_ptr<Workflow> make_workflow(const spec::WorkflowSpec& spec);

}  // namespace sv::engine
