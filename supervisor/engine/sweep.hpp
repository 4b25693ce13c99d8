// Sweep: a fixed list of tuples (grid, list or file), one independent node per tuple, ids "1".."N".
#pragma once
#include <vector>

#include "engine/workflow.hpp"

namespace sv::engine {

class SweepWorkflow : public Workflow {
 public:
  explicit SweepWorkflow(std::vector<core::Json> tuples) : tuples_(std::move(tuples)) {}
  void start(Graph& graph) override { top_up(graph, kInitialBatch); }
  void top_up(Graph& graph, std::size_t wanted) override;
  bool exhausted() const override { return next_ >= tuples_.size(); }
  std::size_t expected_total() const override { return tuples_.size(); }

 private:
  static constexpr std::size_t kInitialBatch = 4096;
  std::vector<core::Json> tuples_;
  std::size_t next_ = 0;
};

}  // namespace sv::engine
