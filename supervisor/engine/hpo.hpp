// Hpo: a search driven by an optimizer. The optimizer proposes points through its port; each point becomes
// a node with ids "1", "2", ... in the order proposed; each result goes back to the optimizer as soon as
// it is known (streaming) — batching, if asked for, is the optimizer driver's business. The engine
// enforces the stop rules it can see: max evaluations, max wall time, a target objective.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "eq/port.hpp"
#include "engine/workflow.hpp"

namespace sv::engine {

/// The configuration the optimizer host receives (eq_py/PROTOCOL.md): space, objectives, optimizer.
core::Json optimizer_config(const spec::WorkflowSpec& spec, const std::string& run_dir, int workers);

class HpoWorkflow : public Workflow {
 public:
  /// `port` may be null for validation only (nothing is proposed then).
  HpoWorkflow(const spec::WorkflowSpec& spec, std::unique_ptr<eq::OptimizerPort> port);
  void start(Graph& graph) override;
  void poll(Graph& graph) override;
  void finish(Graph& graph) override;
  void on_node_finished(Graph& graph, std::size_t index) override;
  bool exhausted() const override { return closed_; }
  std::size_t expected_total() const override { return static_cast<std::size_t>(max_evals_); }
  std::optional<std::string> fatal() const override { return fatal_; }

 private:
  void handle(Graph& graph, const std::string& message);
  void stop(const std::string& reason);
  core::Json objectives_of(const Node& node) const;

  spec::WorkflowSpec spec_;
  std::unique_ptr<eq::OptimizerPort> port_;
  int max_evals_;
  std::size_t proposed_ = 0;
  std::size_t results_ = 0;
  double started_ = 0;
  bool accepting_ = true;
  bool closed_ = false;
  std::optional<std::string> fatal_;
  std::unordered_map<std::size_t, core::Json> tags_;  // node index -> the optimizer's tag
};

}  // namespace sv::engine
