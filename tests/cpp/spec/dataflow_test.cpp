// The dataflow sections (sublearning, uq, nodes + models) and their located errors.
#include <catch2/catch.hpp>

#include "spec/parse.hpp"
#include "spec_test_util.hpp"

using sv::core::Json;
using namespace sv::spec;
using sv::spec::test::config_error;

namespace {

WorkflowSpec parse(const std::string& yaml) { return parse_workflow(yaml, "wf.yaml", "/data/exp"); }

std::string error_of(const std::string& yaml) {
  return config_error([&] { parse(yaml); });
}

const std::string kSub = "workflow: sublearning\nmodel: {kind: noop}\n";
const std::string kDag = "workflow: dag\nmodel: {kind: noop}\n";

}  // namespace

TEST_CASE("a sublearning section parses into typed fields") {
  WorkflowSpec s = parse(kSub + R"(sublearning:
  N: 4
  S: 5
  strategy: SQRT
  max_epochs: 12
  patience: 2
  keys: 100
  first_fraction: 0.75
  add_fraction: 0.3
  val_fraction: 0.25
  seed: 9
  train_param: train_cells
  weights_in_memory: 32
)");
  const auto& sl = s.sublearning;
  CHECK(sl.n == 4);
  CHECK(sl.s == 5);
  CHECK(sl.strategy == EpochStrategy::sqrt);
  CHECK(sl.max_epochs == 12);
  CHECK(sl.patience == 2);
  REQUIRE(sl.keys.size() == 100);
  CHECK(sl.keys[99] == 99);
  CHECK(sl.first_fraction == 0.75);
  CHECK(sl.seed == 9);
  CHECK(sl.train_param == "train_cells");
  CHECK(sl.val_param == "val_cells");
  CHECK(sl.weights_in_memory == 32);
  REQUIRE(s.models.size() == 1);  // the top-level model only
}

TEST_CASE("sublearning keys may be an explicit list of ids or names") {
  WorkflowSpec s = parse(kSub + "sublearning: {N: 2, S: 1, keys: [a, b, 7, d]}\n");
  CHECK(s.sublearning.keys == std::vector<Json>{"a", "b", 7, "d"});
}

TEST_CASE("sublearning errors name the line and key") {
  CHECK(error_of(kSub) ==
        "wf.yaml:1: sublearning: missing (a sublearning workflow needs `sublearning:` with N, S, keys and a "
        "strategy, e.g. {N: 4, S: 5, keys: 100, strategy: EXP2})");
  CHECK(error_of(kSub + "sublearning:\n  S: 2\n  keys: 10\n") == "wf.yaml:3: sublearning.N: missing (children per node, e.g. 4)");
  CHECK(error_of(kSub + "sublearning:\n  N: 2\n  S: 2\n  keys: 10\n  strategy: EXP3\n") ==
        "wf.yaml:7: sublearning.strategy: expected one of F-20, F-10, LINE, SQRT, EXP2, got \"EXP3\"");
  CHECK(error_of(kSub + "sublearning:\n  N: 2\n  S: 2\n  keys: 10\n  val_fraction: 1\n") ==
        "wf.yaml:7: sublearning.val_fraction: expected a fraction in (0, 1), got 1");
  CHECK(error_of(kSub + "sublearning:\n  N: 2\n  S: 2\n  keys: [1, 2, 1]\n") ==
        "wf.yaml:6: sublearning.keys[2]: the key 1 is listed twice");
  CHECK(error_of(kSub + "sublearning:\n  N: 4\n  S: 5\n  keys: 20\n") ==
        "wf.yaml:6: sublearning.keys: a stage-4 node would receive 1 of the 5 keys its parent holds out, and needs "
        "at least 2 (one to train on, one to validate on); give more keys, fewer stages or larger fractions");
  CHECK(error_of(kSub + "sublearning:\n  N: 10\n  S: 8\n  keys: 100\n") ==
        "wf.yaml:3: sublearning: N=10, S=8 makes more than 10000000 trainings; lower N or S");
  CHECK(error_of(kSub + "sublearning: {N: 2, S: 2, keys: 10, stages: 3}\n") ==
        "wf.yaml:3: sublearning.stages: unknown key (allowed: N, S, strategy, max_epochs, patience, keys, "
        "first_fraction, add_fraction, val_fraction, seed, train_param, val_param, epochs_param, patience_param, "
        "weights_in_memory)");
}

TEST_CASE("dataflow sections are refused for the other workflow kinds") {
  CHECK(error_of("workflow: sweep\nmodel: {kind: noop}\nsweep: {list: [{}]}\nsublearning: {N: 2}\n") ==
        "wf.yaml:4: sublearning: only used by `workflow: sublearning`");
  CHECK(error_of(kSub + "sublearning: {N: 2, S: 1, keys: 10}\nnodes: {a: {}}\n") ==
        "wf.yaml:4: nodes: only used by `workflow: dag`");
  CHECK(error_of(kSub + "sublearning: {N: 2, S: 1, keys: 10}\nmodels: {a: {kind: noop}}\n") ==
        "wf.yaml:4: models: only used by `workflow: dag`");
}

TEST_CASE("a uq section parses, and adds its aggregation model to the model table") {
  WorkflowSpec s = parse(R"(workflow: uq
model: {kind: python, entry: m.uno:run, python_path: [models]}
uq:
  replicas: 4
  seed: 10
  perturbations:
    seed: {}
    subsample: {train_subsample: 0.8}
    mc-dropout:
  percentiles: [5, 95]
)");
  REQUIRE(s.uq.perturbations.size() == 3);
  CHECK(s.uq.perturbations[1].name == "subsample");
  CHECK(s.uq.perturbations[1].params == Json{{"train_subsample", 0.8}});
  CHECK(s.uq.perturbations[2].params == Json::object());
  CHECK(s.uq.replicas == 4);
  CHECK(s.uq.seed == 10);
  CHECK(s.uq.percentiles == std::vector<double>{5, 95});
  REQUIRE(s.models.size() == 2);
  CHECK(s.uq.aggregate_model == 1);
  CHECK(s.models[1].name == "uq-aggregate");
  CHECK(s.models[1].entry == "model_runner.aggregate:uq");
  CHECK(s.models[1].python_path == std::vector<std::string>{"/data/exp/models"});
}

TEST_CASE("uq errors name the line and key") {
  const std::string head = "workflow: uq\nmodel: {kind: noop}\n";
  CHECK(error_of(head + "uq:\n  replicas: 2\n  perturbations:\n    a.b: {}\n") ==
        "wf.yaml:6: uq.perturbations.a.b: a perturbation name becomes part of node ids: use letters, digits, _ "
        "and - (got \"a.b\")");
  CHECK(error_of(head + "uq:\n  replicas: 2\n  perturbations:\n    s: {seed: 3}\n") ==
        "wf.yaml:5: uq.perturbations: perturbation \"s\" sets seed, which the replicas vary (seed = seed + replica)");
  CHECK(error_of(head + "uq:\n  replicas: 0\n  perturbations: {a: {}}\n") ==
        "wf.yaml:4: uq.replicas: expected an integer ≥ 1, got 0");
  CHECK(error_of(head + "uq:\n  replicas: 2\n  perturbations: {}\n") ==
        "wf.yaml:5: uq.perturbations: expected at least one perturbation (e.g. `seed: {}`)");
}

TEST_CASE("dag nodes parse with models from the table") {
  WorkflowSpec s = parse(kDag + R"(models:
  trainer: {kind: python, entry: m.t:run, retries: 2}
  scorer: {kind: app, command: [score, "{x}"]}
nodes:
  a: {params: {x: 1}}
  b: {model: trainer, after: [a], weights_from: a, priority: 2}
  c: {model: scorer, after: [a, b]}
)");
  REQUIRE(s.models.size() == 3);
  CHECK(s.models[0].kind == ModelKind::noop);
  CHECK(s.models[1].name == "trainer");
  CHECK(s.models[1].retries == 2);
  CHECK(s.models[2].command == std::vector<std::string>{"score", "{x}"});
  REQUIRE(s.dag.nodes.size() == 3);
  CHECK(s.dag.nodes[0].id == "a");
  CHECK(s.dag.nodes[0].model == 0);
  CHECK(s.dag.nodes[0].params == Json{{"x", 1}});
  CHECK(s.dag.nodes[1].model == 1);
  CHECK(s.dag.nodes[1].weights_from == "a");
  CHECK(s.dag.nodes[1].priority == 2);
  CHECK(s.dag.nodes[2].after == std::vector<std::string>{"a", "b"});
  CHECK(s.dag.nodes[2].model == 2);
}

TEST_CASE("dag cycles, unknown ids and unknown models are errors at their line") {
  CHECK(error_of(kDag + "nodes:\n  a: {after: [c]}\n  b: {after: [a]}\n  c: {after: [b]}\n") ==
        "wf.yaml:4: nodes.a.after: cycle: a -> c -> b -> a (a node cannot run after itself)");
  CHECK(error_of(kDag + "nodes:\n  a: {}\n  b:\n    after: [b]\n") ==
        "wf.yaml:6: nodes.b.after: cycle: b -> b (a node cannot run after itself)");
  // A node behind a cycle is not blamed: the message points at the cycle itself.
  CHECK(error_of(kDag + "nodes:\n  x: {after: [y]}\n  y: {after: [z]}\n  z: {after: [y]}\n") ==
        "wf.yaml:5: nodes.y.after: cycle: y -> z -> y (a node cannot run after itself)");
  CHECK(error_of(kDag + "nodes:\n  a: {}\n  b:\n    after: [a, nope]\n") ==
        "wf.yaml:6: nodes.b.after[1]: unknown node \"nope\" (declared: a, b)");
  CHECK(error_of(kDag + "nodes:\n  a: {model: gpu}\n") ==
        "wf.yaml:4: nodes.a.model: unknown model \"gpu\" (no `models:` table is given; leave `model:` out for the "
        "top-level model)");
  CHECK(error_of(kDag + "models: {t: {kind: noop}}\nnodes:\n  a: {model: gpu}\n") ==
        "wf.yaml:5: nodes.a.model: unknown model \"gpu\" (models: t; leave `model:` out for the top-level model)");
  CHECK(error_of(kDag + "nodes:\n  a: {}\n  b: {after: [a], weights_from: c}\n") ==
        "wf.yaml:5: nodes.b.weights_from: \"c\" is not in this node's `after:` (a node starts from the weights of a "
        "node it runs after)");
  CHECK(error_of(kDag + "nodes:\n  ../x: {}\n") ==
        "wf.yaml:4: nodes.../x: node ids become folder names: use 1-128 of A-Z a-z 0-9 . _ - (not starting with . or "
        "-)");
  CHECK(error_of(kDag) == "wf.yaml:1: nodes: missing (a dag workflow needs `nodes:` with the nodes, e.g. {prep: {}, "
                          "train: {after: [prep]}})");
  CHECK(error_of(kDag + "models:\n  t: {kind: python}\nnodes: {a: {}}\n") ==
        "wf.yaml:4: models.t.entry: missing (kind python needs \"pkg.module:function\")");
}
