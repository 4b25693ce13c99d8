#include "engine/dag.hpp"

namespace sv::engine {

DagWorkflow::DagWorkflow(spec::DagSpec dag) : dag_(std::move(dag)) {
  for (std::size_t i = 0; i < dag_.nodes.size(); ++i) position_[dag_.nodes[i].id] = i;
  children_.resize(dag_.nodes.size());
  unmet_.resize(dag_.nodes.size());
  for (std::size_t i = 0; i < dag_.nodes.size(); ++i) {
    unmet_[i] = dag_.nodes[i].after.size();
    for (const auto& parent : dag_.nodes[i].after) children_[position_.at(parent)].push_back(i);
  }
}

void DagWorkflow::start(Graph& graph) {
  for (std::size_t i = 0; i < dag_.nodes.size(); ++i)
    if (unmet_[i] == 0) add(graph, i);
}

void DagWorkflow::on_node_finished(Graph& graph, std::size_t index) {
  auto it = position_.find(graph.node(index).def.id);
  if (it == position_.end()) return;
  for (auto child : children_[it->second])
    if (--unmet_[child] == 0) add(graph, child);
}

void DagWorkflow::add(Graph& graph, std::size_t position) {
  const spec::DagNodeSpec& spec = dag_.nodes[position];
  core::Json params = spec.params;
  core::Json inputs = core::Json::object();
  NodeDef def;
  for (const auto& parent_id : spec.after) {
    auto index = graph.find(parent_id);
    if (!index) continue;
    const Node& parent = graph.node(*index);
    core::Json input = {{"status", to_string(parent.state)}};
    if (parent.state == NodeState::done) {
      core::Json result = parent.result_json();
      if (result.is_object()) result.erase("history");
      input["result"] = result.is_discarded() ? core::Json() : result;
      std::string weights = weights_path_of(parent);
      input["weights"] = weights.empty() ? core::Json() : core::Json(weights);
      if (parent_id == spec.weights_from) {
        inherit_weights(params, parent);
        def.preferred_worker = workers_.of(*index);
      }
    }
    inputs[parent_id] = std::move(input);
  }
  if (!spec.after.empty()) params["_inputs"] = std::move(inputs);
  def.id = spec.id;
  def.model = spec.model;
  def.params = params.dump();
  def.after = spec.after;
  def.priority = spec.priority;
  ++added_;
  graph.add(std::move(def));  // a failed parent fails this node at once (the graph's cascade)
}

}  // namespace sv::engine
