// Dag: nodes the user declares, each with a model from the workflow's model table, its parameters and
// `after:` (nodes it waits for). A node is added to the graph when the last node it runs after finishes,
// with their outputs in its parameters:
//
//   prep ──► train-a ──► compare        `_inputs: {<parent id>: {status, result, weights}}`
//      └───► train-b ──┘                 (result without its per-epoch history; weights: its weights file)
//
// `weights_from: <parent>` also hands that parent's final weights over (`_parent`, `_initial_weights`) and
// prefers the worker that trained it. A node after a failed node fails without running.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/handoff.hpp"
#include "engine/workflow.hpp"

namespace sv::engine {

class DagWorkflow : public Workflow {
 public:
  explicit DagWorkflow(spec::DagSpec dag);
  void start(Graph& graph) override;
  void on_node_ran(std::size_t index, int worker) override { workers_.record(index, worker); }
  void on_node_finished(Graph& graph, std::size_t index) override;
  bool exhausted() const override { return added_ == dag_.nodes.size(); }
  std::size_t expected_total() const override { return dag_.nodes.size(); }

 private:
  void add(Graph& graph, std::size_t position);

  spec::DagSpec dag_;
  std::unordered_map<std::string, std::size_t> position_;  // node id -> position in dag_.nodes
  std::vector<std::vector<std::size_t>> children_;         // by position
  std::vector<std::size_t> unmet_;                         // parents not yet finished, by position
  std::size_t added_ = 0;
  WorkerMemo workers_;
};

}  // namespace sv::engine
