#include "engine/hpo.hpp"

#include <algorithm>
#include <cmath>

#include "core/clock.hpp"
#include "core/run_dir.hpp"

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

// prune: a pruned trial's reported epochs of `metric` as [[epoch, value], ...] (the optimizer may learn
// from them: Optuna gets a pruned trial with these intermediate values); null when it was not pruned.
namespace {
core::Json pruned_steps(const core::Json& result, const std::string& metric) {
  if (!result.is_object() || !result.value("pruned", false)) return nullptr;
  core::Json steps = core::Json::array();
  auto h = result.find("history");
  if (h == result.end() || !h->is_object()) return steps;
  auto epochs = h->find("epoch");
  auto values = h->find(metric);
  if (epochs == h->end() || values == h->end() || !epochs->is_array() || !values->is_array()) return steps;
  for (std::size_t i = 0; i < epochs->size() && i < values->size(); ++i)
    if ((*epochs)[i].is_number() && (*values)[i].is_number() && std::isfinite((*values)[i].get<double>()))
      steps.push_back({(*epochs)[i], (*values)[i]});
  return steps;
}
}  // namespace

core::Json result_message(const spec::WorkflowSpec& spec, const std::string& id, const std::string& params,
                          bool done, std::optional<double> objective, const core::Json& parsed,
                          const std::string& error) {
  core::Json objectives = core::Json::object();
  bool ok = done && objective && std::isfinite(*objective);
  for (std::size_t i = 0; i < spec.objectives.size(); ++i) {
    const auto& metric = spec.objectives[i].metric;
    if (i == 0 && objective && std::isfinite(*objective)) {
      objectives[metric] = *objective;  // the runner already applied the epoch mode (last/min/max)
    } else if (i > 0 && parsed.is_object() && parsed.contains(metric) && parsed[metric].is_number()) {
      objectives[metric] = parsed[metric];
    } else {
      objectives[metric] = nullptr;
      ok = false;
    }
  }
  std::string why = error.empty() ? "no finite objective in the result" : error;
  core::Json pruned = pruned_steps(parsed, spec.objectives.front().metric);  // prune: null unless pruned
  // Node ids of a search are the optimizer's proposal numbers, which its driver tags points with.
  core::Json tag;
  if (!id.empty() && id.find_first_not_of("0123456789") == std::string::npos) tag = {{"seq", std::stoll(id)}};
  core::Json msg = {{"type", "result"},
          {"id", id},
          {"params", core::Json::parse(params, nullptr, false)},
          {"tag", tag},
          {"ok", ok},
          {"objective", ok ? core::Json(*objective) : core::Json()},
          {"objectives", objectives},
          {"error", ok ? std::string() : why}};
  if (!pruned.is_null()) msg["pruned"] = pruned;  // only pruned trials carry the key
  return msg;
}

core::Json optimizer_config(const spec::WorkflowSpec& spec, const std::string& run_dir, int workers,
                            const std::vector<store::TaskRow>& previous) {
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
  std::vector<const store::TaskRow*> finals;
  for (const auto& row : previous)
    if (row.result_seq > 0 && (row.status == store::TaskStatus::done || row.status == store::TaskStatus::failed ||
                               row.status == store::TaskStatus::pruned))  // prune: a pruned trial replays as its value
      finals.push_back(&row);
  std::sort(finals.begin(), finals.end(), [](auto* a, auto* b) { return a->result_seq < b->result_seq; });
  core::Json replay = core::Json::array();
  for (const auto* row : finals)
    replay.push_back(result_message(spec, row->node_id, row->params, row->status != store::TaskStatus::failed,
                                    row->objective, core::Json::parse(row->result, nullptr, /*allow_exceptions=*/false),
                                    row->error));
  // The optimizer is handed the paths it writes (core/run_dir.hpp names them; "" when checking only).
  core::Json config = {{"run_dir", run_dir},
                       {"ask_log", run_dir.empty() ? std::string() : core::RunDir(run_dir).optimizer_asks()},
                       {"workers", workers}, {"space", space},
                       {"objectives", objectives}, {"optimizer", opt}, {"replay", replay}};
  if (spec.objectives.size() > 1)
    config["multi"] = {{"mode", spec.multi.combine == spec::Combine::pareto ? "pareto" : "weighted"},
                       {"alpha", spec.multi.alpha}};
  return config;
}

double recorded_optimizer_time(const std::vector<store::EventRow>& events) {
  // Each record holds the running total, so the last one counts every earlier session.
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->kind != kOptimizerTimeEvent) continue;
    core::Json j = core::Json::parse(it->message, nullptr, false);
    if (j.is_object() && j.contains("total_s") && j["total_s"].is_number()) return j["total_s"].get<double>();
  }
  return 0;
}

HpoWorkflow::HpoWorkflow(const spec::WorkflowSpec& spec, std::unique_ptr<eq::OptimizerPort> port,
                         std::vector<store::TaskRow> previous, double earlier_time_s)
    : spec_(spec),
      port_(std::move(port)),
      previous_(std::move(previous)),
      max_evals_(spec.optimizer.max_evals),
      earlier_time_s_(earlier_time_s) {
  if (!port_) closed_ = true;
}

double HpoWorkflow::optimizer_time() const { return earlier_time_s_ + (core::mono_now() - started_); }

void HpoWorkflow::record_time() {
  if (!record_event || !port_) return;
  double session = core::mono_now() - started_;
  last_time_record_ = core::mono_now();
  record_event(kOptimizerTimeEvent, core::Json{{"session_s", session}, {"total_s", earlier_time_s_ + session}}.dump());
}

void HpoWorkflow::start(Graph& graph) {
  started_ = last_time_record_ = core::mono_now();
  // A resumed search: the nodes the optimizer proposed before, in proposal order.
  std::sort(previous_.begin(), previous_.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& row : previous_) {
    core::Json params = core::Json::parse(row.params, nullptr, false);
    core::Json tag;
    if (row.node_id.find_first_not_of("0123456789") == std::string::npos) tag = {{"seq", std::stoll(row.node_id)}};
    add_point(graph, {{"params", params}, {"tag", tag}}, /*resend=*/true);
  }
  previous_.clear();
}

void HpoWorkflow::add_point(Graph& graph, const core::Json& point, bool resend) {
  const core::Json& params = point.contains("params") ? point["params"] : point;
  if (!params.is_object()) {
    fatal_ = "the optimizer proposed a point that is not a JSON object: " + point.dump().substr(0, 300);
    closed_ = true;
    return;
  }
  NodeDef def;
  const core::Json* tag = point.contains("tag") ? &point["tag"] : nullptr;
  if (resend && tag && tag->is_object() && tag->contains("seq") && (*tag)["seq"].is_number_integer()) {
    // A point the engine may have already: the id is its proposal number; skip it when present.
    std::string id = std::to_string((*tag)["seq"].get<long long>());
    if (graph.find(id)) return;
    proposed_ = std::max<std::size_t>(proposed_, std::stoull(id));
    def.id = id;
  } else {
    if (max_evals_ > 0 && proposed_ >= static_cast<std::size_t>(max_evals_)) return;
    def.id = std::to_string(++proposed_);
  }
  def.params = params.dump();
  std::size_t index = graph.add(std::move(def));
  if (tag) tags_[index] = *tag;
}

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
  // The optimizer's last words (best point, Pareto front, final population, or the traceback of a crash)
  // follow its last result. After the stop nothing more goes to it, so it ends: take every message until
  // its thread has returned. A hung optimizer ends through the watchdog (optimizer.options.hang_timeout), a
  // drain at the latest when it stops waiting for running tasks (finish_by).
  if (accepting_) stop("finished");
  port_->close();
  while (!ended_) {
    if (finish_by > 0 && core::wall_now() >= finish_by) {
      // A drain: the allocation ends soon; the replaying optimizer of the next session takes over.
      if (record_event) record_event("optimizer:finish", "walltime drain: stopped waiting for the optimizer's last message");
      break;
    }
    take(graph, /*wait_s=*/0.05);
  }
  record_time();
}

void HpoWorkflow::poll(Graph& graph) {
  if (!port_ || (closed_ && !accepting_ && fatal_)) return;
  // Before the messages: points proposed once the budget is spent (a resumed run's, say) are not taken.
  if (accepting_ && spec_.optimizer.max_time_s > 0 && optimizer_time() >= spec_.optimizer.max_time_s)
    stop("max_time");
  while (!ended_ && take(graph, 0)) {
  }
  // max_time counts across sessions: keep the store's total current, so a killed session loses little.
  if (core::mono_now() - last_time_record_ >= kTimeRecordIntervalS) record_time();
}

bool HpoWorkflow::take(Graph& graph, double wait_s) {
  std::string message;
  switch (port_->receive(message, wait_s)) {
    case eq::Received::message:
      handle(graph, message);  // every message taken off the queue is handled
      return true;
    case eq::Received::ended:
      // The optimizer returned, and everything it said has been handled; without a done, nothing more comes.
      ended_ = true;
      closed_ = true;
      accepting_ = false;
      return false;
    case eq::Received::nothing:
      break;
  }
  return false;
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
    bool resend = m.value("resend", false);
    for (const auto& point : m["points"]) {
      if (!accepting_ || fatal_) break;
      add_point(graph, point, resend);
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

void HpoWorkflow::after_result(std::optional<double> objective, bool ok) {
  ++results_;
  if (ok && objective && spec_.optimizer.target) {
    bool minimize = spec_.objective.goal == spec::ObjectiveGoal::minimize;
    if (minimize ? *objective <= *spec_.optimizer.target : *objective >= *spec_.optimizer.target) stop("target");
  }
  if (max_evals_ > 0 && results_ >= static_cast<std::size_t>(max_evals_) && accepting_) stop("max_evals");
}

void HpoWorkflow::on_node_finished(Graph& graph, std::size_t index) {
  const Node& n = graph.node(index);
  core::Json msg = result_message(spec_, n.def.id, n.def.params, n.state == NodeState::done, n.outcome.objective,
                                  n.result_json(), n.outcome.error);
  auto tag = tags_.find(index);
  if (tag != tags_.end()) {
    msg["tag"] = tag->second;
    tags_.erase(tag);
  }
  if (port_ && !ended_) port_->send(msg.dump());
  // A value a pruned trial reached on its way is no result for the target rule.
  after_result(n.outcome.objective, msg["ok"].get<bool>() && !msg.contains("pruned"));
}

void HpoWorkflow::on_node_restored(Graph& graph, std::size_t index) {
  // The optimizer has this result through its replay; only the stop rules need to count it.
  const Node& n = graph.node(index);
  tags_.erase(index);
  const bool pruned = n.outcome.outcome == core::Outcome::pruned;
  after_result(n.outcome.objective,
               n.state == NodeState::done && n.outcome.objective && std::isfinite(*n.outcome.objective) && !pruned);
}

}  // namespace sv::engine
