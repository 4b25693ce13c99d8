// Sweep: a fixed set of tuples (grid, list or file), one independent node per tuple, ids "1".."N". Nodes
// are made as the server asks for them (top_up), and a finished one is forgotten once the store has its
// row, so a sweep of ten million points holds about as many nodes as run at once.
#pragma once
#include <vector>

#include "engine/workflow.hpp"
#include "spec/sweep_tuples.hpp"

namespace sv::engine {

class SweepWorkflow : public Workflow {
 public:
  explicit SweepWorkflow(spec::SweepTuples tuples) : tuples_(std::move(tuples)) {}
  explicit SweepWorkflow(std::vector<core::Json> tuples) : tuples_(std::move(tuples)) {}
  void start(Graph& graph) override { top_up(graph, kInitialBatch); }
  void top_up(Graph& graph, std::size_t wanted) override;
  bool exhausted() const override { return next_ >= tuples_.size(); }
  std::size_t expected_total() const override { return tuples_.size(); }
  bool reads_finished_nodes() const override { return false; }

 private:
  static constexpr std::size_t kInitialBatch = 4096;
  spec::SweepTuples tuples_;
  std::size_t next_ = 0;
};

}  // namespace sv::engine
