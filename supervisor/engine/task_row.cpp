#include "engine/task_row.hpp"

namespace sv::engine {

store::TaskStatus status_of(NodeState state) {
  switch (state) {
    case NodeState::waiting:
    case NodeState::ready: return store::TaskStatus::pending;
    case NodeState::running: return store::TaskStatus::running;
    case NodeState::done: return store::TaskStatus::done;
    case NodeState::failed: break;
  }
  return store::TaskStatus::failed;
}

store::TaskRow task_row(const Node& n, std::int64_t id, const std::string& model, const std::string& host) {
  const TaskRecord& t = n.record;
  const core::TaskResult& o = n.outcome;
  store::TaskRow row;
  row.id = id;
  row.node_id = n.def.id;
  row.state_only = t.in_store;
  if (!t.in_store) {  // params are written once; a state change does not copy them again
    row.model = model;
    row.params = n.def.params;
    row.params_hash = n.params_hash;
  }
  row.status = n.state == NodeState::done && o.outcome == core::Outcome::pruned ? store::TaskStatus::pruned
                                                                             : status_of(n.state);
  row.attempts = t.attempts;
  row.worker = t.worker;
  row.host = host;
  row.submit_time = t.submit_time;
  row.dispatch_time = t.dispatch_time;
  row.start_time = o.start_time;
  row.end_time = o.end_time;
  row.objective = o.objective;
  row.result_seq = t.result_seq;
  if (n.state == NodeState::done) row.result = o.result;
  row.error = o.error;
  return row;
}

}  // namespace sv::engine
