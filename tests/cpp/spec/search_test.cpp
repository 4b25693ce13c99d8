// The search sections: space, optimizer, several objectives.
#include <catch2/catch.hpp>

#include "core/build_features.hpp"
#include "spec/parse.hpp"
#include "spec_test_util.hpp"

using namespace sv::spec;
using sv::spec::test::config_error;

namespace {
WorkflowSpec parse(const std::string& yaml) { return parse_workflow(yaml, "hpo.yaml", "/data/exp"); }
std::string error_of(const std::string& yaml) {
  return config_error([&] { parse(yaml); });
}
const std::string kHead = "workflow: hpo\nmodel: {entry: \"m.x:run\"}\n";
const std::string kOpt = "optimizer: {name: tpe, max_evals: 20}\n";
}  // namespace

TEST_CASE("a space holds every parameter type with its bounds or values") {
  WorkflowSpec s = parse(kHead + kOpt + R"(space:
  lr: {type: float, low: 1.0e-4, high: 0.1, log: true}
  layers: {type: int, low: 1, high: 4}
  act: {type: categorical, choices: [relu, tanh]}
  batch: {type: ordinal, values: [16, 32, 64]}
)");
  REQUIRE(s.space.size() == 4);
  CHECK(s.space[0].name == "lr");
  CHECK(s.space[0].type == ParamType::float_);
  CHECK(s.space[0].log);
  CHECK(s.space[0].low == Approx(1e-4));
  CHECK(s.space[1].type == ParamType::int_);
  CHECK(s.space[1].high == 4);
  CHECK(s.space[2].values == std::vector<Json>{Json("relu"), Json("tanh")});
  CHECK(s.space[3].type == ParamType::ordinal);
  CHECK(s.space[3].values.size() == 3);
  CHECK(s.optimizer.name == "tpe");
  CHECK(s.optimizer.max_evals == 20);
  CHECK(s.optimizer.batch == 0);
}

TEST_CASE("space errors name the parameter and the rule") {
  CHECK(error_of(kHead + kOpt + "space:\n  lr: {type: float, low: 0.1, high: 0.01}\n") ==
        "hpo.yaml:5: space.lr.low: low (0.1) must be < high (0.01)");
  CHECK(error_of(kHead + kOpt + "space:\n  lr: {type: float, low: 0, high: 1, log: true}\n") ==
        "hpo.yaml:5: space.lr.low: a log-scaled parameter needs low > 0, got 0");
  CHECK(error_of(kHead + kOpt + "space:\n  n: {type: int, low: 1.5, high: 3}\n") ==
        "hpo.yaml:5: space.n.low: expected an integer, got 1.5");
  CHECK(error_of(kHead + kOpt + "space:\n  a: {type: categorical, choices: []}\n") ==
        "hpo.yaml:5: space.a.choices: the list is empty (give at least one value)");
  CHECK(error_of(kHead + kOpt + "space:\n  a: {type: categorical, choices: [x, x]}\n") ==
        "hpo.yaml:5: space.a.choices: the value \"x\" is listed twice");
  CHECK(error_of(kHead + kOpt + "space:\n  a: {type: categorical, low: 1, choices: [x]}\n") ==
        "hpo.yaml:5: space.a.low: not used by a categorical parameter (it takes choices)");
  CHECK(error_of(kHead + kOpt + "space:\n  a: {type: complex}\n").find("expected one of float, int") !=
        std::string::npos);
  CHECK(error_of(kHead + kOpt + "space: {}\n").find("the space is empty") != std::string::npos);
}

TEST_CASE("an hpo workflow needs an optimizer with a budget and a space") {
  CHECK(error_of(kHead + "space:\n  x: {type: float, low: 0, high: 1}\n").find("optimizer: missing") !=
        std::string::npos);
  CHECK(error_of(kHead + kOpt).find("space: missing") != std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: tpe}\nspace:\n  x: {type: float, low: 0, high: 1}\n")
            .find("`max_evals:` is required for tpe") != std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: simplex, max_evals: 3}\nspace:\n  x: {type: float, low: 0, high: 1}\n") ==
        "hpo.yaml:3: optimizer.name: unknown optimizer \"simplex\" (available: random, grid, ga, tpe, nsga2, emews, "
        "mbo, pbt)");
  CHECK(error_of("workflow: sweep\nmodel: {kind: noop}\nsweep: {list: [{x: 1}]}\n" + kOpt) ==
        "hpo.yaml:4: optimizer: only used by `workflow: hpo`");
}

TEST_CASE("an emews optimizer names its module and may take settings verbatim, without a space") {
  WorkflowSpec s = parse(kHead + R"(optimizer:
  name: emews
  module: my_ga
  path: [algos]
  settings: "pop=10;gens=3"
)");
  CHECK(s.optimizer.module == "my_ga");
  CHECK(s.optimizer.path == std::vector<std::string>{"/data/exp/algos"});
  CHECK(*s.optimizer.settings == Json("pop=10;gens=3"));
  CHECK(error_of(kHead + "optimizer: {name: emews}\n").find("needs `module:`") != std::string::npos);
}

TEST_CASE("the R optimizers' options are checked at validate, each with its line") {
  const std::string space = "space: {x: {type: float, low: 0, high: 1}}\n";
  WorkflowSpec s = parse(kHead + space + R"(optimizer:
  name: mbo
  language: r
  max_evals: 20
  options: {num_trees: 100, se_method: infjack, cb_lambda: 2.5, queue_ahead: 0, impute_value: -1, hang_timeout: 30}
)");
  CHECK(s.optimizer.options["num_trees"] == 100);
  CHECK(error_of(kHead + space + "optimizer:\n  name: mbo\n  language: r\n  max_evals: 20\n  options:\n"
                                 "    num_tree: 100\n")
            .rfind("hpo.yaml:9: optimizer.options.num_tree: unknown key, did you mean \"num_trees\"?", 0) == 0);
  CHECK(error_of(kHead + space + "optimizer: {name: mbo, language: r, max_evals: 20, options: {focus_points: 0.5}}\n") ==
        "hpo.yaml:4: optimizer.options.focus_points: expected an integer ≥ 1, got 0.5");
  CHECK(error_of(kHead + space + "optimizer: {name: mbo, language: r, max_evals: 20, options: {se_method: jack}}\n") ==
        "hpo.yaml:4: optimizer.options.se_method: expected one of bootstrap, infjack, got \"jack\"");
  CHECK(error_of(kHead + space + "optimizer: {name: random, language: r, max_evals: 20, options: {seed: 3}}\n")
            .find("optimizer.options.seed: unknown key") != std::string::npos);
  // Python optimizers keep checking their own options when they start.
  CHECK(parse(kHead + space + "optimizer: {name: random, max_evals: 20, options: {anything: 1}}\n").optimizer.name ==
        "random");
}

TEST_CASE("a Python optimizer's name with language r is refused at validate, with its line") {
  const std::string space = "space: {x: {type: float, low: 0, high: 1}}\n";
  const std::string error = error_of(kHead + space + "optimizer:\n  name: ga\n  language: r\n  max_evals: 20\n");
  if (sv::core::built_with_r())
    CHECK(error == "hpo.yaml:5: optimizer.name: 'ga' is not an R optimizer (with language: r use mbo, random or emews)");
  else
    CHECK(error.rfind("hpo.yaml:6: optimizer.language:", 0) == 0);
}

TEST_CASE("stop rules, failure policy, batch and seed are read") {
  WorkflowSpec s = parse(kHead + R"(space: {x: {type: float, low: 0, high: 1}}
optimizer: {name: ga, max_evals: 100, max_time: 60, target: 0.01, on_failure: ignore, batch: 8, seed: 7,
            options: {population: 16}}
)");
  CHECK(s.optimizer.max_time_s == 60);
  CHECK(*s.optimizer.target == Approx(0.01));
  CHECK(s.optimizer.on_failure == FailurePolicy::ignore);
  CHECK(s.optimizer.batch == 8);
  CHECK(s.optimizer.seed == 7);
  CHECK(s.optimizer.options["population"] == 16);
}

TEST_CASE("several objectives: weighted by default, pareto only with nsga2") {
  WorkflowSpec s = parse(kHead + R"(space: {x: {type: float, low: 0, high: 1}}
optimizer: {name: tpe, max_evals: 10}
objective:
  metrics:
    - {metric: val_loss, mode: min}
    - {metric: predict_time}
  alpha: 0.2
)");
  REQUIRE(s.objectives.size() == 2);
  CHECK(s.objective.metric == "val_loss");
  CHECK(s.objective.mode == ObjectiveMode::min);
  CHECK(s.objectives[1].metric == "predict_time");
  CHECK(s.multi.combine == Combine::weighted);
  CHECK(s.multi.alpha == Approx(0.2));
  const std::string pareto = R"(space: {x: {type: float, low: 0, high: 1}}
objective:
  metrics: [{metric: val_loss}, {metric: predict_time}]
  combine: pareto
)";
  CHECK(parse(kHead + "optimizer: {name: nsga2, max_evals: 10}\n" + pareto).multi.combine == Combine::pareto);
  CHECK(error_of(kHead + "optimizer: {name: tpe, max_evals: 10}\n" + pareto).find("`combine: pareto` needs") !=
        std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: nsga2, max_evals: 10}\nspace: {x: {type: float, low: 0, high: 1}}\n")
            .find("nsga2 searches a Pareto front") != std::string::npos);
  CHECK(error_of(kHead + kOpt + "space: {x: {type: float, low: 0, high: 1}}\nobjective: {metric: a, alpha: 1}\n")
            .find("only used with several objectives") != std::string::npos);
}

TEST_CASE("a single objective is also the only entry of objectives") {
  WorkflowSpec s = parse("workflow: sweep\nmodel: {kind: noop}\nsweep: {list: [{x: 1}]}\n"
                         "objective: {metric: acc, goal: maximize}\n");
  REQUIRE(s.objectives.size() == 1);
  CHECK(s.objectives[0].metric == "acc");
  CHECK(s.objectives[0].goal == ObjectiveGoal::maximize);
}

TEST_CASE("optimizer.pruner: asha with the objective's metric and goal unless it names its own") {
  const std::string space = "space: {x: {type: float, low: 0, high: 1}}\n";
  WorkflowSpec s = parse(kHead + space + "objective: {metric: acc, goal: maximize}\n" +
                         "optimizer: {name: random, max_evals: 9, pruner: {name: asha, min_epochs: 2, "
                         "reduction_factor: 4, max_epochs: 32}}\n");
  const auto& p = s.optimizer.pruner;
  CHECK(p.kind == sv::prune::PrunerKind::asha);
  CHECK(p.min_epochs == 2);
  CHECK(p.reduction_factor == 4);
  CHECK(p.max_epochs == 32);
  REQUIRE(p.metrics.size() == 1);
  CHECK(p.metrics[0].name == "acc");
  CHECK(p.metrics[0].goal == sv::prune::Goal::maximize);
  WorkflowSpec own = parse(kHead + space + "optimizer: {name: tpe, max_evals: 9, pruner: {name: median, "
                           "metric: loss}}\n");
  CHECK(own.optimizer.pruner.metrics.at(0).name == "loss");
  CHECK(own.optimizer.pruner.metrics.at(0).goal == sv::prune::Goal::minimize);
  CHECK(parse(kHead + space + kOpt).optimizer.pruner.kind == sv::prune::PrunerKind::none);
}

TEST_CASE("optimizer.pruner with a Pareto objective compares every objective metric") {
  WorkflowSpec s = parse(kHead + "space: {x: {type: float, low: 0, high: 1}}\n" +
                         "objective: {metrics: [{metric: loss}, {metric: latency}], combine: pareto}\n" +
                         "optimizer: {name: nsga2, max_evals: 9, pruner: {name: asha}}\n");
  REQUIRE(s.optimizer.pruner.metrics.size() == 2);
  CHECK(s.optimizer.pruner.metrics[1].name == "latency");
}

TEST_CASE("a bad optimizer.pruner is one line naming the file, line and key") {
  const std::string head = kHead + "space: {x: {type: float, low: 0, high: 1}}\n";
  CHECK(error_of(head + "optimizer: {name: tpe, max_evals: 9, pruner: {name: sha}}\n")
            .find("hpo.yaml:4: optimizer.pruner.name") != std::string::npos);
  CHECK(error_of(head + "optimizer: {name: tpe, max_evals: 9, pruner: {name: hyperband}}\n")
            .find("hyperband needs `max_epochs:`") != std::string::npos);
  CHECK(error_of(head + "optimizer: {name: tpe, max_evals: 9, pruner: {name: asha, reduction_factor: 1}}\n")
            .find("optimizer.pruner.reduction_factor") != std::string::npos);
  CHECK(error_of(head + "optimizer: {name: tpe, max_evals: 9, pruner: {name: median, reduction_factor: 3}}\n")
            .find("not used by median") != std::string::npos);
  CHECK(error_of(head + "optimizer: {name: tpe, max_evals: 9, pruner: {name: asha, epochs: 3}}\n")
            .find("optimizer.pruner.epochs") != std::string::npos);
  CHECK(error_of(head + "objective: {metrics: [{metric: a}, {metric: b}], combine: pareto}\n" +
                 "optimizer: {name: nsga2, max_evals: 9, pruner: {name: median}}\n")
            .find("median compares one metric") != std::string::npos);
}
