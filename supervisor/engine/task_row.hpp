// Task row: how a graph node's task becomes its row in the store. Terms: a node's *state* (waiting, ready,
// running, done, failed) is the one state machine; the store's task status is read off it. A row is
// *state only* once the store holds the task's params, model and hash: later writes leave those alone.
#pragma once
#include <cstdint>
#include <string>

#include "engine/graph.hpp"
#include "store/store.hpp"

namespace sv::engine {

/// The store status of a node's state: waiting and ready are pending.
store::TaskStatus status_of(NodeState state);

/// The store row of node `n` (task `id`, its model's name, the host of its worker). The only place a row is
/// made; a state-only row when n.record.in_store.
store::TaskRow task_row(const Node& n, std::int64_t id, const std::string& model, const std::string& host);

}  // namespace sv::engine
