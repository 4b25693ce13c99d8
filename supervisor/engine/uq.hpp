// Uncertainty quantification: R replicas of the model under each of P named perturbations (parameter
// overrides: a training subsample, label noise, dropout at inference, ...), replica r always with
// `seed + r`, then one aggregation node over them all:
//
//   noise.1  noise.2 … noise.R   subsample.1 … subsample.R   …
//        \       |        |          |              |        /
//         └──────┴────────┴── aggregate ──┴─────────┴───────┘
//
// The aggregation node is added once every replica has finished (done or failed), with their objectives,
// scalar results and prediction files in its parameters, so it needs no task files and a failed replica
// is counted instead of failing the aggregate. It runs the uq aggregation model (model_runner.aggregate:uq
// by default): mean, std and percentiles of the objective and of each sample's prediction.
#pragma once
#include <string>
#include <unordered_map>

#include "engine/workflow.hpp"

namespace sv::engine {

class UqWorkflow : public Workflow {
 public:
  explicit UqWorkflow(const spec::WorkflowSpec& spec);
  void start(Graph& graph) override;
  void on_node_finished(Graph& graph, std::size_t index) override;
  bool exhausted() const override { return aggregate_added_; }
  std::size_t expected_total() const override { return replicas_total() + 1; }

  static constexpr const char* kAggregateId = "aggregate";

 private:
  std::size_t replicas_total() const { return spec_.perturbations.size() * static_cast<std::size_t>(spec_.replicas); }
  void add_aggregate(Graph& graph);

  spec::UqSpec spec_;
  std::string metric_;
  std::string goal_;
  std::size_t finished_ = 0;
  bool aggregate_added_ = false;
  std::unordered_map<std::string, std::size_t> replica_index_;  // replica node id -> graph index
};

}  // namespace sv::engine
