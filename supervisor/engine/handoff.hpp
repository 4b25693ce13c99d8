// Hand-off: what a child node inherits from a parent that finished — its final weights (params `_parent`,
// the parent's node id, which a worker holding those weights in memory resolves without a file, and
// `_initial_weights`, the parent's weights file for any other worker; see model_runner/context.py) and,
// for scheduling, the worker that ran the parent (soft affinity: NodeDef.preferred_worker).
#pragma once
#include <cstddef>
#include <string>
#include <unordered_map>

#include "core/json_util.hpp"
#include "engine/graph.hpp"

namespace sv::engine {

/// The weights file a finished node's result names (`artifacts.weights`), or "" when it saved none.
std::string weights_path_of(const Node& node);

/// The weights file a result names (`artifacts.weights`), or "".
std::string weights_path_in(const core::Json& result);

/// Sets `_parent` (and `_initial_weights` when the parent saved weights) in a child's params.
void inherit_weights(core::Json& params, const Node& parent);
/// The same from a parent's id and result (a parent known from the store, not the graph).
void inherit_weights(core::Json& params, const std::string& parent_id, const core::Json& parent_result);

/// The worker that last ran each node, as Workflow::on_node_ran reports it; -1 when unknown (a node
/// restored from an earlier session, whose worker's memory is gone anyway).
class WorkerMemo {
 public:
  void record(std::size_t index, int worker) { worker_[index] = worker; }
  int of(std::size_t index) const {
    auto it = worker_.find(index);
    return it == worker_.end() ? -1 : it->second;
  }
  void forget(std::size_t index) { worker_.erase(index); }

 private:
  std::unordered_map<std::size_t, int> worker_;
};

}  // namespace sv::engine
