#include "engine/uq.hpp"

#include <cmath>

namespace sv::engine {

namespace {

std::string replica_id(const spec::UqPerturbation& p, int r) { return p.name + "." + std::to_string(r); }

// What the aggregation keeps of a replica's result: finite numbers and strings (paths such as
// `predictions`), not the per-epoch history, which the store keeps anyway.
core::Json scalars_of(const core::Json& result) {
  core::Json out = core::Json::object();
  if (!result.is_object()) return out;
  for (auto it = result.begin(); it != result.end(); ++it) {
    const core::Json& v = it.value();
    if ((v.is_number() && std::isfinite(v.get<double>())) || v.is_string() || v.is_boolean()) out[it.key()] = v;
  }
  return out;
}

}  // namespace

UqWorkflow::UqWorkflow(const spec::WorkflowSpec& spec)
    : spec_(spec.uq),
      metric_(spec.objective.metric),
      goal_(spec.objective.goal == spec::ObjectiveGoal::minimize ? "minimize" : "maximize") {}

void UqWorkflow::start(Graph& graph) {
  for (const auto& p : spec_.perturbations) {
    for (int r = 1; r <= spec_.replicas; ++r) {
      core::Json params = p.params;
      params[spec_.seed_param] = spec_.seed + r;
      params["_perturbation"] = p.name;
      params["_replica"] = r;
      NodeDef def;
      def.id = replica_id(p, r);
      def.params = params.dump();
      std::string id = def.id;  // C++17 evaluates the right side first: it would move def.id away
      replica_index_[id] = graph.add(std::move(def));
    }
  }
}

void UqWorkflow::on_node_finished(Graph& graph, std::size_t index) {
  if (!replica_index_.count(graph.node(index).def.id)) return;  // the aggregate itself
  if (++finished_ == replicas_total() && !aggregate_added_) add_aggregate(graph);
}

void UqWorkflow::add_aggregate(Graph& graph) {
  core::Json replicas = core::Json::array();
  std::vector<std::string> done;
  for (const auto& p : spec_.perturbations) {
    for (int r = 1; r <= spec_.replicas; ++r) {
      const Node& n = graph.node(replica_index_.at(replica_id(p, r)));
      bool ok = n.state == NodeState::done;
      core::Json entry = {{"id", n.def.id},
                          {"perturbation", p.name},
                          {"replica", r},
                          {"status", ok ? "done" : "failed"},
                          {"objective", ok && n.outcome.objective && std::isfinite(*n.outcome.objective) ? core::Json(*n.outcome.objective)
                                                                                        : core::Json()},
                          {"result", ok ? scalars_of(n.result_json()) : core::Json::object()}};
      if (!ok) entry["error"] = n.outcome.error.substr(0, n.outcome.error.find('\n'));
      if (ok) done.push_back(n.def.id);
      replicas.push_back(std::move(entry));
    }
  }
  core::Json perturbations = core::Json::array();
  for (const auto& p : spec_.perturbations) perturbations.push_back({{"name", p.name}, {"params", p.params}});
  core::Json params = {{"metric", metric_},         {"goal", goal_},
                       {"percentiles", spec_.percentiles}, {"perturbations", perturbations},
                       {"replicas", replicas}};
  NodeDef def;
  def.id = kAggregateId;
  def.model = spec_.aggregate_model;
  def.params = params.dump();
  def.after = std::move(done);  // all finished already: recorded for the lineage, ready at once
  aggregate_added_ = true;
  graph.add(std::move(def));
}

}  // namespace sv::engine
