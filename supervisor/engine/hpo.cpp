#include "engine/hpo.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include "core/clock.hpp"

namespace sv::engine {

namespace {
const char* goal_name(spec::ObjectiveGoal g) { return g == spec::ObjectiveGoal::minimize ? "minimize" : "maximize"; }

const char* failure_name(spec::FailurePolicy p) {
  switch (p) {
    case spec::FailurePolicy::penalize: return "penalize";
    case spec::FailurePolicy::ignore: return "ignore";
    case spec::FailurePolicy::retry: return "retry";
  }
  return "penalize";
}

core::Json param_json(const spec::ParamSpec& p) {
  core::Json j = {{"name", p.name}, {"type", spec::to_string(p.type)}};
  switch (p.type) {
    case spec::ParamType::float_:
    case spec::ParamType::int_:
      j["low"] = p.low;
      j["high"] = p.high;
      j["log"] = p.log;
      if (p.type == spec::ParamType::int_) {
        j["low"] = static_cast<long long>(p.low);
        j["high"] = static_cast<long long>(p.high);
      }
      break;
    case spec::ParamType::categorical:
      j["choices"] = p.values;
      break;
    case spec::ParamType::ordinal:
      j["values"] = p.values;
      break;
  }
  return j;
}
}  // namespace

core::Json optimizer_config(const spec::WorkflowSpec& spec, const std::string& run_dir, int workers) {
  core::Json space = core::Json::array();
  for (const auto& p : spec.space) space.push_back(param_json(p));
  core::Json objectives = core::Json::array();
  for (const auto& o : spec.objectives) objectives.push_back({{"metric", o.metric}, {"goal", goal_name(o.goal)}});
  const auto& o = spec.optimizer;
  core::Json opt = {{"name", o.name},       {"seed", o.seed},
                    {"batch", o.batch},     {"max_evals", o.max_evals},
                    {"on_failure", failure_name(o.on_failure)}, {"options", o.options}};
  if (!o.module.empty()) opt["module"] = o.module;
  if (!o.path.empty()) opt["path"] = o.path;
  if (o.settings) opt["settings"] = *o.settings;
  core::Json config = {{"run_dir", run_dir}, {"workers", workers}, {"space", space},
                       {"objectives", objectives}, {"optimizer", opt}, {"replay", core::Json::array()}};
  if (spec.objectives.size() > 1)
    config["multi"] = {{"mode", spec.multi.combine == spec::Combine::pareto ? "pareto" : "weighted"},
                       {"alpha", spec.multi.alpha}};
  return config;
}

HpoWorkflow::HpoWorkflow(const spec::WorkflowSpec& spec, std::unique_ptr<eq::OptimizerPort> port)
    : spec_(spec), port_(std::move(port)), max_evals_(spec.optimizer.max_evals) {
  if (!port_) closed_ = true;
}

void HpoWorkflow::start(Graph&) { started_ = core::mono_now(); }

void HpoWorkflow::stop(const std::string& reason) {
  if (!accepting_) return;
  accepting_ = false;
  // No node is added after a stop, so the campaign ends when the running evaluations do.
  closed_ = true;
  if (record_event) record_event("optimizer:stop", reason);
  if (port_) port_->send(core::Json{{"type", "stop"}, {"reason", reason}}.dump());
}

void HpoWorkflow::finish(Graph& graph) {
  if (!port_) return;
  // The optimizer's last words (best point, Pareto front, final population) follow its last result by a
  // moment; give them a short while to arrive before the campaign closes.
  if (accepting_) stop("finished");
  double deadline = core::mono_now() + 2.0;
  std::string message;
  while (core::mono_now() < deadline) {
    while (port_->try_receive(message)) handle(graph, message);
    if (port_->finished()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  while (port_->try_receive(message)) handle(graph, message);
}

void HpoWorkflow::poll(Graph& graph) {
  if (!port_ || (closed_ && !accepting_ && fatal_)) return;
  std::string message;
  while (port_->try_receive(message)) handle(graph, message);
  if (!closed_ && port_->finished() && !port_->try_receive(message)) {
    // The optimizer returned without saying done: nothing more will come.
    closed_ = true;
    accepting_ = false;
  }
  if (accepting_ && spec_.optimizer.max_time_s > 0 && core::mono_now() - started_ >= spec_.optimizer.max_time_s)
    stop("max_time");
}

void HpoWorkflow::handle(Graph& graph, const std::string& message) {
  core::Json m = core::Json::parse(message, nullptr, /*allow_exceptions=*/false);
  std::string type = m.is_object() && m.contains("type") && m["type"].is_string() ? m["type"].get<std::string>() : "";
  if (type == "points") {
    if (!m.contains("points") || !m["points"].is_array()) {
      fatal_ = "the optimizer sent a points message without a points list: " + message.substr(0, 300);
      closed_ = true;
      return;
    }
    for (const auto& point : m["points"]) {
      if (!accepting_) break;
      if (max_evals_ > 0 && proposed_ >= static_cast<std::size_t>(max_evals_)) break;
      const core::Json& params = point.contains("params") ? point["params"] : point;
      if (!params.is_object()) {
        fatal_ = "the optimizer proposed a point that is not a JSON object: " + point.dump().substr(0, 300);
        closed_ = true;
        return;
      }
      NodeDef def;
      def.id = std::to_string(++proposed_);
      def.params = params.dump();
      std::size_t index = graph.add(std::move(def));
      if (point.contains("tag")) tags_[index] = point["tag"];
    }
  } else if (type == "event") {
    if (record_event) {
      const auto& msg = m.value("message", core::Json(""));
      record_event("optimizer:" + m.value("kind", std::string("log")), msg.is_string() ? msg.get<std::string>() : msg.dump());
    }
  } else if (type == "done") {
    if (record_event) {
      core::Json summary = {{"best", m.value("best", core::Json())}, {"pareto", m.value("pareto", core::Json())}};
      record_event("optimizer:done", summary.dump());
    }
    accepting_ = false;
    closed_ = true;
  } else if (type == "abort") {
    fatal_ = "the optimizer failed:\n" + m.value("message", std::string("(no message)"));
    accepting_ = false;
    closed_ = true;
  } else {
    fatal_ = "the optimizer sent a message this supervisor does not understand: " + message.substr(0, 300);
    accepting_ = false;
    closed_ = true;
  }
}

core::Json HpoWorkflow::objectives_of(const Node& node) const {
  core::Json out = core::Json::object();
  core::Json result = core::Json::parse(node.result, nullptr, /*allow_exceptions=*/false);
  for (std::size_t i = 0; i < spec_.objectives.size(); ++i) {
    const auto& metric = spec_.objectives[i].metric;
    if (i == 0 && node.objective) {
      out[metric] = *node.objective;  // the runner already applied the epoch mode (last/min/max)
    } else if (result.is_object() && result.contains(metric) && result[metric].is_number()) {
      out[metric] = result[metric];
    } else {
      out[metric] = nullptr;
    }
  }
  return out;
}

void HpoWorkflow::on_node_finished(Graph& graph, std::size_t index) {
  const Node& n = graph.node(index);
  ++results_;
  bool ok = n.state == NodeState::done && n.objective && std::isfinite(*n.objective);
  core::Json objectives = objectives_of(n);
  for (auto it = objectives.begin(); ok && it != objectives.end(); ++it)
    if (it->is_null()) ok = false;
  core::Json msg = {{"type", "result"},
                    {"id", n.def.id},
                    {"params", core::Json::parse(n.def.params)},
                    {"ok", ok},
                    {"objective", ok ? core::Json(*n.objective) : core::Json()},
                    {"objectives", objectives},
                    {"error", ok ? std::string() : (n.error.empty() ? "no finite objective in the result" : n.error)}};
  auto tag = tags_.find(index);
  if (tag != tags_.end()) {
    msg["tag"] = tag->second;
    tags_.erase(tag);
  }
  if (port_ && !port_->finished()) port_->send(msg.dump());

  if (ok && spec_.optimizer.target) {
    bool minimize = spec_.objective.goal == spec::ObjectiveGoal::minimize;
    if (minimize ? *n.objective <= *spec_.optimizer.target : *n.objective >= *spec_.optimizer.target)
      stop("target");
  }
  if (max_evals_ > 0 && results_ >= static_cast<std::size_t>(max_evals_) && accepting_) stop("max_evals");
}

}  // namespace sv::engine
