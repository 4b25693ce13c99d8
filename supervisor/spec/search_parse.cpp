// The search sections of a workflow YAML. Everything the optimizer will rely on is checked here, so a
// typo in a bound fails at `validate` with its line instead of inside rank 0's optimizer thread.
#include "spec/search_parse.hpp"

#include <cctype>
#include <cmath>
#include <set>

#include "core/build_features.hpp"
#include "spec/pbt_parse.hpp"

namespace sv::spec {

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::float_: return "float";
    case ParamType::int_: return "int";
    case ParamType::categorical: return "categorical";
    case ParamType::ordinal: return "ordinal";
  }
  return "?";
}

namespace {

bool is_param_name(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

double any_number(const YamlReader& r, const Field& f) { return r.number(f, -HUGE_VAL); }

ParamSpec parse_param(const YamlReader& r, const Field& f) {
  ParamSpec p;
  p.name = f.key;
  if (!is_param_name(p.name))
    r.fail(f, "parameter names start with a letter or _ and hold letters, digits, _ . - (got \"" + p.name + "\")");
  Mapping m = r.mapping(f, {"type", "low", "high", "log", "choices", "values"});
  p.type = r.choice<ParamType>(r.require(m, "type", "one of float, int, categorical, ordinal"),
                               {{"float", ParamType::float_},
                                {"int", ParamType::int_},
                                {"categorical", ParamType::categorical},
                                {"ordinal", ParamType::ordinal}});
  bool numeric = p.type == ParamType::float_ || p.type == ParamType::int_;
  for (const Field& field : m.fields) {
    bool numeric_key = field.key == "low" || field.key == "high" || field.key == "log";
    if (numeric_key && !numeric)
      r.fail(field, std::string("not used by a ") + to_string(p.type) + " parameter (it takes " +
                        (p.type == ParamType::categorical ? "choices" : "values") + ")");
    if ((field.key == "choices" && p.type != ParamType::categorical) ||
        (field.key == "values" && p.type != ParamType::ordinal))
      r.fail(field, std::string("not used by a ") + to_string(p.type) + " parameter" +
                        (numeric ? " (it takes low, high and log)" : ""));
  }
  if (numeric) {
    const Field& low = r.require(m, "low", "the smallest value");
    const Field& high = r.require(m, "high", "the largest value");
    p.low = any_number(r, low);
    p.high = any_number(r, high);
    if (const Field* log = m.find("log")) p.log = r.boolean(*log);
    if (p.type == ParamType::int_) {
      if (p.low != std::floor(p.low)) r.fail(low, "expected an integer, got " + YamlReader::describe(low.node));
      if (p.high != std::floor(p.high)) r.fail(high, "expected an integer, got " + YamlReader::describe(high.node));
    }
    if (!(p.low < p.high))
      r.fail(low, "low (" + low.node.Scalar() + ") must be < high (" + high.node.Scalar() + ")");
    if (p.log && p.low <= 0)
      r.fail(low, "a log-scaled parameter needs low > 0, got " + low.node.Scalar());
  } else {
    const char* key = p.type == ParamType::categorical ? "choices" : "values";
    const Field& list = r.require(m, key, p.type == ParamType::categorical ? "the possible values, e.g. [relu, tanh]"
                                                                            : "the values in order, e.g. [16, 32, 64]");
    Json values = r.json(list);
    if (!values.is_array()) r.fail(list, "expected a list, got " + YamlReader::describe(list.node));
    if (values.empty()) r.fail(list, "the list is empty (give at least one value)");
    std::set<std::string> seen;
    for (const auto& v : values)
      if (!seen.insert(v.dump()).second) r.fail(list, "the value " + v.dump() + " is listed twice");
    p.values.assign(values.begin(), values.end());
  }
  return p;
}

// The R optimizers' options (eq_r/R/mbo.R, sv_mbo_defaults), checked here so that a typo fails at
// `validate` with its line rather than as an abort from rank 0's R thread.
void check_r_options(const YamlReader& r, const Field& f, const std::string& name) {
  if (name == "random") {
    Mapping m = r.mapping(f, {"hang_timeout"});
    for (const Field& k : m.fields) r.number(k, 0, "seconds");
    return;
  }
  Mapping m = r.mapping(f, {"init_design", "num_trees", "se_method", "cb_lambda", "focus_points", "focus_local",
                            "focus_maxit", "focus_restarts", "impute_margin", "impute_value", "threads",
                            "hang_timeout", "queue_ahead"});
  for (const Field& k : m.fields) {
    if (k.key == "se_method") {
      r.choice<int>(k, {{"bootstrap", 0}, {"infjack", 1}});
    } else if (k.key == "cb_lambda" || k.key == "impute_margin") {
      r.number(k, 0);
    } else if (k.key == "hang_timeout") {
      r.number(k, 0, "seconds");
    } else if (k.key == "impute_value") {
      any_number(r, k);
    } else if (k.key == "queue_ahead") {
      r.integer(k, 0, "points queued beyond one per worker when streaming");
    } else {
      r.integer(k, 1);
    }
  }
}

}  // namespace

std::vector<ParamSpec> parse_space(const YamlReader& r, const Field& f) {
  Mapping m = r.mapping(f);
  if (m.fields.empty()) r.fail(f, "the space is empty (name at least one parameter with its type)");
  std::vector<ParamSpec> space;
  for (const Field& field : m.fields) space.push_back(parse_param(r, field));
  return space;
}

// optimizer.pruner. Its metric (and goal) may be left to check_search, which takes the objective's.
prune::PrunerOptions parse_pruner(const YamlReader& r, const Field& f) {
  Mapping m = r.mapping(f, {"name", "metric", "goal", "min_epochs", "reduction_factor", "max_epochs", "min_trials"});
  prune::PrunerOptions p;
  const Field& name = r.require(m, "name", "one of asha, hyperband, median, none");
  p.kind = r.choice<prune::PrunerKind>(name, {{"asha", prune::PrunerKind::asha},
                                              {"hyperband", prune::PrunerKind::hyperband},
                                              {"median", prune::PrunerKind::median},
                                              {"none", prune::PrunerKind::none}});
  for (const Field& field : m.fields) {
    if (field.key == "metric") {
      std::string metric = r.string(field);
      if (metric.empty()) r.fail(field, "expected the name of a metric the model reports each epoch");
      p.metrics = {{metric, prune::Goal::minimize}};
    } else if (field.key == "min_epochs") {
      p.min_epochs = r.integer(field, 1, "the first epoch at which trials are compared");
    } else if (field.key == "reduction_factor") {
      p.reduction_factor = r.integer(field, 2, "about 1 in this many trials goes on at each rung");
    } else if (field.key == "max_epochs") {
      p.max_epochs = r.integer(field, 1, "the epochs of a full training");
    } else if (field.key == "min_trials") {
      p.min_trials = r.integer(field, 1, "reports needed at a rung or epoch before anything is pruned");
    }
  }
  if (const Field* goal = m.find("goal")) {
    if (p.metrics.empty()) r.fail(*goal, "give `metric:` with it (without one, the objective's metric and goal are used)");
    p.metrics[0].goal = r.choice<prune::Goal>(*goal, {{"minimize", prune::Goal::minimize}, {"maximize", prune::Goal::maximize}});
  }
  if (p.kind == prune::PrunerKind::hyperband && !m.find("max_epochs"))
    r.fail(name, "hyperband needs `max_epochs:` (the epochs of a full training; it sets the brackets)");
  if (p.kind == prune::PrunerKind::median)
    for (const char* k : {"reduction_factor", "max_epochs"})
      if (const Field* f = m.find(k)) r.fail(*f, "not used by median (asha and hyperband use it)");
  return p;
}

OptimizerSpec parse_optimizer(const YamlReader& r, const Field& f) {
  Mapping m = r.mapping(f, {"name", "language", "seed", "batch", "max_evals", "max_time", "target", "on_failure",
                            "options", "module", "path", "settings", "pruner",
                            // pbt's own keys (spec/pbt_parse.cpp)
                            "population", "interval_epochs", "quantile", "perturb", "segments", "max_epochs"});
  OptimizerSpec o;
  const Field& name = r.require(m, "name", "one of random, grid, ga, tpe, nsga2, emews, mbo, pbt");
  o.name = r.string(name);
  static const std::set<std::string> known = {"random", "grid", "ga", "tpe", "nsga2", "emews", "mbo", "pbt"};
  if (!known.count(o.name))
    r.fail(name, "unknown optimizer \"" + o.name + "\" (available: random, grid, ga, tpe, nsga2, emews, mbo, pbt)");
  if (o.name == "pbt") {
    o.pbt = parse_pbt(r, m);
  } else {
    for (const Field& field : m.fields)
      if (is_pbt_key(field.key)) r.fail(field, "only used by `name: pbt` (population-based training)");
  }
  for (const Field& field : m.fields) {
    if (field.key == "language") {
      o.language = r.choice<OptimizerLanguage>(field, {{"python", OptimizerLanguage::python}, {"r", OptimizerLanguage::r}});
      if (o.language == OptimizerLanguage::r && !core::built_with_r())
        r.fail(field, core::without_r_message("language r"));
    } else if (field.key == "seed") {
      o.seed = r.integer(field, 0, "a non-negative integer");
    } else if (field.key == "batch") {
      o.batch = r.integer(field, 0, "0 streams (a new point per result); N proposes N at a time");
    } else if (field.key == "max_evals") {
      o.max_evals = r.integer(field, 1, "how many evaluations the search may spend");
    } else if (field.key == "max_time") {
      o.max_time_s = r.number(field, 0, "seconds; 0 means no limit");
    } else if (field.key == "target") {
      o.target = any_number(r, field);
    } else if (field.key == "on_failure") {
      o.on_failure = r.choice<FailurePolicy>(field, {{"penalize", FailurePolicy::penalize},
                                                     {"ignore", FailurePolicy::ignore},
                                                     {"retry", FailurePolicy::retry}});
    } else if (field.key == "options") {
      o.options = r.json(field);
      if (!o.options.is_object()) r.fail(field, "expected a mapping, got " + YamlReader::describe(field.node));
    } else if (field.key == "module") {
      o.module = r.string(field);
    } else if (field.key == "path") {
      for (const Field& item : r.items(field)) o.path.push_back(r.path(item));
    } else if (field.key == "pruner") {
      o.pruner = parse_pruner(r, field);
    } else if (field.key == "settings") {
      Json s = r.json(field);
      if (!(s.is_string() || s.is_object()))
        r.fail(field, "expected a string (passed verbatim) or a mapping (sent as JSON), got " +
                          YamlReader::describe(field.node));
      o.settings = s;
    }
  }
  if (o.name == "mbo" && o.language != OptimizerLanguage::r)
    r.fail(name, "mbo is the R model-based optimizer: add `language: r`");
  if (o.language == OptimizerLanguage::r && o.name != "mbo" && o.name != "emews" && o.name != "random")
    r.fail(name, "'" + o.name + "' is not an R optimizer (with language: r use mbo, random or emews)");
  if (o.language == OptimizerLanguage::r && (o.name == "mbo" || o.name == "random"))
    if (const Field* options = m.find("options")) check_r_options(r, *options, o.name);
  if (o.name == "emews" && o.module.empty())
    r.fail(name, "an emews optimizer needs `module:` (the ME algorithm's module) and usually `path:`");
  if (o.name != "emews" && o.name != "mbo" && (!o.module.empty() || o.settings))
    r.fail(name, "module and settings are for emews algorithms only");
  if (o.max_evals == 0 && o.name != "emews" && o.name != "grid" && o.name != "pbt")
    r.fail(name, "`max_evals:` is required for " + o.name + " (how many evaluations the search may spend)");
  return o;
}

void parse_objectives(const YamlReader& r, const Field& f, WorkflowSpec& spec) {
  Mapping m = r.mapping(f, {"metric", "goal", "mode", "metrics", "combine", "alpha"});
  auto one = [&r](const Field& field, std::initializer_list<std::string_view> allowed) {
    ObjectiveSpec o;
    Mapping om = r.mapping(field, allowed);
    for (const Field& k : om.fields) {
      if (k.key == "metric") {
        o.metric = r.string(k);
        if (o.metric.empty()) r.fail(k, "expected a metric name, got an empty string");
      } else if (k.key == "goal") {
        o.goal = r.choice<ObjectiveGoal>(k, {{"minimize", ObjectiveGoal::minimize}, {"maximize", ObjectiveGoal::maximize}});
      } else if (k.key == "mode") {
        o.mode = r.choice<ObjectiveMode>(k, {{"last", ObjectiveMode::last}, {"min", ObjectiveMode::min}, {"max", ObjectiveMode::max}});
      }
    }
    return o;
  };
  if (const Field* metrics = m.find("metrics")) {
    for (const char* k : {"metric", "goal", "mode"})
      if (const Field* single = m.find(k)) r.fail(*single, "give each objective inside `metrics:`, not beside it");
    spec.objectives.clear();
    for (const Field& item : r.items(*metrics)) {
      Mapping im = r.mapping(item, {"metric", "goal", "mode"});
      r.require(im, "metric", "the name of the value in the model's result");
      spec.objectives.push_back(one(item, {"metric", "goal", "mode"}));
    }
    if (spec.objectives.empty()) r.fail(*metrics, "expected at least one objective");
    std::set<std::string> seen;
    for (const auto& o : spec.objectives)
      if (!seen.insert(o.metric).second) r.fail(*metrics, "the metric \"" + o.metric + "\" is listed twice");
    for (const Field& field : m.fields) {
      if (field.key == "combine") {
        spec.multi.combine = r.choice<Combine>(field, {{"weighted", Combine::weighted}, {"pareto", Combine::pareto}});
      } else if (field.key == "alpha") {
        spec.multi.alpha = r.number(field, 0, "the weight of the secondary objectives");
      }
    }
  } else {
    for (const char* k : {"combine", "alpha"})
      if (const Field* multi = m.find(k)) r.fail(*multi, "only used with several objectives under `metrics:`");
    spec.objectives = {one(f, {"metric", "goal", "mode", "metrics", "combine", "alpha"})};
  }
  spec.objective = spec.objectives.front();
}

namespace {
// The pruner's metrics: its own `metric`, else the objective's; with a Pareto objective every objective
// metric, so trials are compared by dominance.
void check_pruner(const YamlReader& r, const Field& opt, WorkflowSpec& spec, bool pareto) {
  prune::PrunerOptions& p = spec.optimizer.pruner;
  if (p.kind == prune::PrunerKind::none) return;
  auto goal_of = [](ObjectiveGoal g) { return g == ObjectiveGoal::maximize ? prune::Goal::maximize : prune::Goal::minimize; };
  const Field* field = r.mapping(opt).find("pruner");
  if (pareto) {
    if (!p.metrics.empty())
      r.fail(*field, "with `combine: pareto` the pruner compares every objective metric; remove `metric:`");
    if (p.kind == prune::PrunerKind::median)
      r.fail(*field, "median compares one metric; use asha or hyperband with a Pareto objective");
    for (const auto& o : spec.objectives) p.metrics.push_back({o.metric, goal_of(o.goal)});
    return;
  }
  if (p.metrics.empty()) {
    p.metrics = {{spec.objective.metric, goal_of(spec.objective.goal)}};
  } else if (!r.mapping(*field).find("goal")) {
    for (const auto& o : spec.objectives)
      if (o.metric == p.metrics[0].name) p.metrics[0].goal = goal_of(o.goal);
  }
}
}  // namespace

void check_search(const YamlReader& r, const Mapping& top, WorkflowSpec& spec) {
  if (spec.kind != WorkflowKind::hpo) {
    for (const char* k : {"space", "optimizer"})
      if (const Field* f = top.find(k)) r.fail(*f, "only used by `workflow: hpo`");
    return;
  }
  const Field& opt = r.require(top, "optimizer", "name, max_evals, seed, ... (e.g. {name: tpe, max_evals: 50})");
  if (spec.optimizer.name != "emews" && !top.find("space"))
    r.require(top, "space", "the parameters to search, each with its type and range");
  bool pareto = spec.objectives.size() > 1 && spec.multi.combine == Combine::pareto;
  if (spec.optimizer.name == "nsga2" && !pareto)
    r.fail(opt, "nsga2 searches a Pareto front: give several objectives under `objective.metrics` with "
                "`combine: pareto`");
  if (pareto && spec.optimizer.name != "nsga2")
    r.fail(opt, "`combine: pareto` needs `name: nsga2` (or use `combine: weighted` with " + spec.optimizer.name + ")");
  if (spec.optimizer.pbt && spec.objectives.size() > 1)
    r.fail(opt, "pbt ranks members by one objective: give `objective.metric`, not several `metrics`");
  check_pruner(r, opt, spec, pareto);
}

}  // namespace sv::spec
