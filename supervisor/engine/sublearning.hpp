// Sublearning ("high-bypass learning", Wozniak et al.): train on most of a data set, then add data stage
// by stage. Node ids read as paths: stage-1 nodes are `1`..`N`, the children of `1.2` are `1.2.1`..`1.2.N`,
// down to stage S (N + N² + … + N^S trainings). The tree is built lazily: a node's children are added when
// it finishes, so only the frontier sits in memory.
//
// Data are split by *key* (a cell id for uno), never by row. A node trains on its parent's training keys
// plus a share of the keys its parent held out, and validates on another part of that share:
//
//            root: train {}                  held out: every key
//     ┌────────────┴────────────┐
//    1: train T1 = A1            val V1        (A1, V1 ⊂ all keys)
//     ├── 1.1: train T1 ∪ A11     val V11      (A11, V11 ⊂ keys outside T1)
//     └── 1.2: ...
//
// so no validation key of a node is in its own or any ancestor's training set. Siblings take evenly
// spaced windows of one shuffle of their parent's held-out keys, so each such key goes to about
// N·fraction of them (N=4, first_fraction 0.75: every key is left out by exactly one stage-1 node, which
// lets a later stage add it). The draw is a function of (seed, node id) alone, hence the same spec gives
// the same ids and parameters in every session (resume).
// Each node runs `epochs` from its strategy (Table 1) with early stopping, starting from its parent's final
// weights; it prefers the worker that trained its parent, whose resident interpreter holds them.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/handoff.hpp"
#include "engine/workflow.hpp"

namespace sv::engine {

/// One node's keys, as indices into SublearningSpec::keys, each list sorted.
struct KeySplit {
  std::vector<std::uint32_t> train;  // the parent's training keys plus the ones added here
  std::vector<std::uint32_t> val;    // this node's validation keys, all outside `train`
};

/// The split of node `id` at `stage` (1-based) whose parent trained on `parent_train` (empty for stage 1).
KeySplit sublearning_split(const spec::SublearningSpec& s, const std::string& id, int stage,
                           const std::vector<std::uint32_t>& parent_train);

/// The parameters of a sublearning node (keys, epochs, patience, `_stage`, `_strategy`, hand-off fields).
core::Json sublearning_params(const spec::SublearningSpec& s, int stage, const KeySplit& split);

class SublearningWorkflow : public Workflow {
 public:
  explicit SublearningWorkflow(spec::SublearningSpec spec);
  void start(Graph& graph) override;
  void on_node_ran(std::size_t index, int worker) override { workers_.record(index, worker); }
  void on_node_finished(Graph& graph, std::size_t index) override;
  bool exhausted() const override { return started_ && open_ == 0; }
  std::size_t expected_total() const override { return total_; }

 private:
  void add_node(Graph& graph, const std::string& id, int stage, KeySplit split, int preferred_worker,
                const Node* parent);

  spec::SublearningSpec spec_;
  std::size_t total_ = 0;
  bool started_ = false;
  std::size_t open_ = 0;  // nodes added whose children are still to be added (not leaves, not finished)
  std::unordered_map<std::string, std::vector<std::uint32_t>> train_of_;  // those nodes' training keys
  WorkerMemo workers_;
};

}  // namespace sv::engine
