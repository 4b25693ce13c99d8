#include "spec/parse.hpp"

#include <catch2/catch.hpp>

#include "spec_test_util.hpp"

using sv::core::Json;
using namespace sv::spec;
using sv::spec::test::config_error;
using sv::spec::test::TempDir;

namespace {

WorkflowSpec parse(const std::string& yaml) { return parse_workflow(yaml, "hpo.yaml", "/data/exp"); }

std::string error_of(const std::string& yaml) {
  return config_error([&] { parse(yaml); });
}

// A valid python model, so each error test changes only the part it is about.
const std::string kModel = "model:\n  entry: models.mnist:run\n";

}  // namespace

TEST_CASE("a full valid workflow parses into typed fields") {
  WorkflowSpec s = parse(R"(name: mnist-grid
workflow: sweep
site: slurm-theta
model:
  kind: python
  entry: models.mnist:run
  python_path: [lib, /opt/shared, ../common]
  timeout: 90.5
  retries: 2
  task_files: false
objective:
  metric: val_acc
  goal: maximize
  mode: max
resources:
  workers: 4
  preload: [torch, numpy]
sweep:
  grid:
    lr: [0.1, 0.01]
    batch: [32, 64]
)");
  CHECK(s.name == "mnist-grid");
  CHECK(s.kind == WorkflowKind::sweep);
  CHECK(s.site == "slurm-theta");
  CHECK(s.model.kind == ModelKind::python);
  CHECK(s.model.entry == "models.mnist:run");
  CHECK(s.model.python_path == std::vector<std::string>{"/data/exp/lib", "/opt/shared", "/data/common"});
  CHECK(s.model.timeout_s == 90.5);
  CHECK(s.model.retries == 2);
  CHECK_FALSE(s.model.task_files);
  CHECK(s.objective.metric == "val_acc");
  CHECK(s.objective.goal == ObjectiveGoal::maximize);
  CHECK(s.objective.mode == ObjectiveMode::max);
  CHECK(s.resources.workers == 4);
  CHECK(s.resources.preload == std::vector<std::string>{"torch", "numpy"});
  REQUIRE(s.sweep.source == SweepSpec::Source::grid);
  REQUIRE(s.sweep.grid.size() == 2);
  CHECK(s.sweep.grid[0].first == "lr");  // YAML order, not alphabetical
  CHECK(s.sweep.grid[1].first == "batch");
  CHECK(s.sweep.grid[1].second == std::vector<Json>{Json(32), Json(64)});
  CHECK(s.source_dir == "/data/exp");
  CHECK(s.source_path.empty());
  CHECK(s.source_text.find("mnist-grid") != std::string::npos);
}

TEST_CASE("omitted keys take their defaults and the name comes from the file stem") {
  WorkflowSpec s = parse("workflow: dag\nnodes: {a: {}}\n" + kModel);
  CHECK(s.name == "hpo");
  CHECK(s.site == "local");
  CHECK(s.kind == WorkflowKind::dag);
  CHECK(s.model.timeout_s == 0);
  CHECK(s.model.retries == 0);
  CHECK(s.model.task_files);
  CHECK(s.model.defaults == Json::object());
  CHECK(s.objective.metric == "val_loss");
  CHECK(s.objective.goal == ObjectiveGoal::minimize);
  CHECK(s.resources.workers == 2);
  CHECK(s.sweep.source == SweepSpec::Source::none);
}

TEST_CASE("model defaults keep their YAML types") {
  WorkflowSpec s = parse("workflow: dag\nnodes: {a: {}}\n" + kModel + R"(  defaults:
    epochs: 10
    lr: 0.001
    decay: 1e-4
    dropout: .5
    use_bn: true
    shuffle: False
    tag: "10"
    note: null
    empty: ~
    layers: [64, 32]
    opt: {name: adam, beta: 0.9}
)");
  const Json& d = s.model.defaults;
  CHECK(d["epochs"].is_number_integer());
  CHECK(d["epochs"].get<int>() == 10);
  CHECK(d["lr"].is_number_float());
  CHECK(d["decay"].get<double>() == Approx(1e-4));
  CHECK(d["dropout"].get<double>() == Approx(0.5));
  CHECK(d["use_bn"] == Json(true));
  CHECK(d["shuffle"] == Json(false));
  CHECK(d["tag"] == Json("10"));
  CHECK(d["note"].is_null());
  CHECK(d["empty"].is_null());
  CHECK(d["layers"] == Json::array({64, 32}));
  CHECK(d["opt"] == Json::parse(R"({"name": "adam", "beta": 0.9})"));
}

TEST_CASE("an app model takes an argv list, environment, cwd and result file") {
  WorkflowSpec s = parse(R"(workflow: dag
nodes: {a: {}}
model:
  kind: app
  command: [./train.sh, --lr, "{lr}", --epochs, 5]
  env: {OMP_NUM_THREADS: 4, MODE: fast}
  cwd: /scratch
  result_file: out/result.json
)");
  CHECK(s.model.kind == ModelKind::app);
  CHECK(s.model.command == std::vector<std::string>{"./train.sh", "--lr", "{lr}", "--epochs", "5"});
  CHECK(s.model.env == std::map<std::string, std::string>{{"MODE", "fast"}, {"OMP_NUM_THREADS", "4"}});
  CHECK(s.model.cwd == "/scratch");
  CHECK(s.model.result_file == "out/result.json");
}

TEST_CASE("an r entry's file is made absolute against the workflow folder") {
  WorkflowSpec s = parse("workflow: dag\nnodes: {a: {}}\nmodel:\n  kind: r\n  entry: models/fit.R:fit_model\n");
  CHECK(s.model.kind == ModelKind::r);
  CHECK(s.model.entry == "/data/exp/models/fit.R:fit_model");
}

TEST_CASE("a noop model needs no entry") {
  CHECK(parse("workflow: dag\nnodes: {a: {}}\nmodel: {kind: noop}\n").model.kind == ModelKind::noop);
}

TEST_CASE("a dataflow kind's own section is parsed (the sections are tested in dataflow_test.cpp)") {
  WorkflowSpec s = parse("workflow: dag\n" + kModel + "nodes: {a: {}}\n");
  CHECK(s.kind == WorkflowKind::dag);
  CHECK(s.dag.nodes.size() == 1);
}

TEST_CASE("enums print as their YAML spellings") {
  CHECK(std::string(to_string(WorkflowKind::sublearning)) == "sublearning");
  CHECK(std::string(to_string(ModelKind::app)) == "app");
  CHECK(std::string(to_string(ObjectiveGoal::maximize)) == "maximize");
  CHECK(std::string(to_string(ObjectiveMode::last)) == "last");
}

// --- errors: each is one line `ORIGIN:LINE: KEY.PATH: what (hint)` ---

TEST_CASE("malformed YAML is reported with its line and yaml-cpp's message") {
  CHECK(error_of("workflow: sweep\nmodel: [1, 2\nsite: x\n") ==
        "hpo.yaml:3: invalid YAML: end of sequence flow not found");
  CHECK(error_of("workflow: sweep\n  model: 1\n") == "hpo.yaml:2: invalid YAML: illegal map value");
}

TEST_CASE("an empty document is an error saying what to write") {
  const std::string expected = "hpo.yaml: the workflow is empty (write at least `workflow:` and `model:`)";
  CHECK(error_of("") == expected);
  CHECK(error_of("# nothing yet\n") == expected);
}

TEST_CASE("a document that is not a mapping, or a second document, is an error") {
  CHECK(error_of("- workflow\n- sweep\n") == "hpo.yaml:1: expected a mapping of keys, got a list");
  CHECK(error_of("workflow: hpo\n" + kModel + "---\nsite: x\n") ==
        "hpo.yaml:5: a second YAML document starts here (a workflow file holds one; remove the `---` before "
        "it)");
}

TEST_CASE("an unknown top-level key names the line and lists the allowed keys") {
  CHECK(error_of("workflow: hpo\n" + kModel + "frobnicate: 1\n") ==
        "hpo.yaml:4: frobnicate: unknown key (allowed: name, workflow, model, objective, sweep, resources, "
        "site, space, optimizer, sublearning, uq, nodes, models)");
}

TEST_CASE("a misspelt key gets a suggestion") {
  CHECK(error_of("workflow: hpo\n" + kModel + "resources:\n  worker: 4\n") ==
        "hpo.yaml:5: resources.worker: unknown key, did you mean \"workers\"? (allowed: workers, preload, shell, python, "
        "heartbeat_s, lost_after_s, timeout_grace_s, drain_grace_s, gpus_per_worker, workers_per_gpu, gpus_per_node, gpu_sharing)");
}

TEST_CASE("a repeated key is an error naming both lines") {
  CHECK(error_of("workflow: hpo\n" + kModel + "  entry: other.mod:f\n") ==
        "hpo.yaml:4: model.entry: duplicate key (first at line 3; keep one)");
  CHECK(error_of("workflow: hpo\n" + kModel + "  defaults:\n    opt: {lr: 1, lr: 2}\n") ==
        "hpo.yaml:5: model.defaults.opt.lr: duplicate key (first at line 5; keep one)");
}

TEST_CASE("workflow is required and must be a known kind") {
  CHECK(error_of(kModel) == "hpo.yaml:1: workflow: missing (one of sweep, hpo, uq, sublearning, dag)");
  CHECK(error_of("site: x\nworkflow: hop\n" + kModel) ==
        "hpo.yaml:2: workflow: expected one of sweep, hpo, uq, sublearning, dag, got \"hop\"");
}

TEST_CASE("model is required") {
  CHECK(error_of("workflow: hpo\n") ==
        "hpo.yaml:1: model: missing (what each task runs: kind and entry, or kind: app and command)");
  CHECK(error_of("workflow: hpo\nmodel:\n") == "hpo.yaml:2: model: expected a mapping of keys, got nothing");
}

TEST_CASE("model type errors name the key path and the value") {
  CHECK(error_of("workflow: hpo\n" + kModel + "  timeout: abc\n") ==
        "hpo.yaml:4: model.timeout: expected a number ≥ 0, got \"abc\" (seconds; 0 means no limit)");
  CHECK(error_of("workflow: hpo\n" + kModel + "  timeout: -1\n") ==
        "hpo.yaml:4: model.timeout: expected a number ≥ 0, got -1 (seconds; 0 means no limit)");
  CHECK(error_of("workflow: hpo\n" + kModel + "  retries: 1.5\n") ==
        "hpo.yaml:4: model.retries: expected an integer ≥ 0, got 1.5 (extra attempts after a failure)");
  CHECK(error_of("workflow: hpo\n" + kModel + "  task_files: yes\n") ==
        "hpo.yaml:4: model.task_files: expected true or false, got \"yes\"");
  CHECK(error_of("workflow: hpo\n" + kModel + "  defaults: [1, 2]\n") ==
        "hpo.yaml:4: model.defaults: expected a mapping of parameter names to values, got a list");
  CHECK(error_of("workflow: hpo\n" + kModel + "  python_path: lib\n") ==
        "hpo.yaml:4: model.python_path: expected a list, got \"lib\"");
  CHECK(error_of("workflow: hpo\n" + kModel + "  kind: java\n") ==
        "hpo.yaml:4: model.kind: expected one of python, r, app, noop, got \"java\"");
  CHECK(error_of("workflow: hpo\n" + kModel + "  tiemout: 5\n") ==
        "hpo.yaml:4: model.tiemout: unknown key, did you mean \"timeout\"? (allowed: kind, entry, command, "
        "env, "
        "cwd, result_file, python_path, defaults, timeout, retries, task_files, stop_signal, stop_grace_s)");
}

TEST_CASE("python and r entries must have their module:function shape") {
  CHECK(error_of("workflow: hpo\nmodel:\n  kind: python\n") ==
        "hpo.yaml:2: model.entry: missing (kind python needs \"pkg.module:function\")");
  CHECK(error_of("workflow: hpo\nmodel:\n  entry: models/mnist.py\n") ==
        "hpo.yaml:3: model.entry: expected \"pkg.module:function\", got \"models/mnist.py\" (the module is "
        "imported from python_path, then the function is called with the parameters)");
  CHECK_THAT(error_of("workflow: hpo\nmodel:\n  entry: 'models.mnist:'\n"),
             Catch::StartsWith("hpo.yaml:3: model.entry: expected \"pkg.module:function\""));
  CHECK_THAT(error_of("workflow: hpo\nmodel:\n  entry: models.mnist\n"),
             Catch::StartsWith("hpo.yaml:3: model.entry: expected \"pkg.module:function\""));
  CHECK_THAT(error_of("workflow: hpo\nmodel:\n  kind: r\n  entry: fit.py:fit\n"),
             Catch::StartsWith("hpo.yaml:4: model.entry: expected \"file.R:function\", got \"fit.py:fit\""));
}

TEST_CASE("an app model needs a non-empty command and other kinds refuse one") {
  CHECK(error_of("workflow: hpo\nmodel:\n  kind: app\n") ==
        "hpo.yaml:2: model.command: missing (kind app needs an argv list, e.g. [./train, --lr, \"{lr}\"])");
  CHECK(error_of("workflow: hpo\nmodel:\n  kind: app\n  command: []\n") ==
        "hpo.yaml:4: model.command: expected a non-empty argv list, got an empty list");
  CHECK(error_of("workflow: hpo\nmodel:\n  kind: app\n  command: [a, [b]]\n") ==
        "hpo.yaml:4: model.command[1]: expected a string, got a list");
  CHECK(error_of("workflow: hpo\n" + kModel + "  command: [./x]\n") ==
        "hpo.yaml:4: model.command: only used by kind app, not python (remove it, or set kind: app)");
}

TEST_CASE("resources and objective values are checked") {
  CHECK(error_of("workflow: hpo\n" + kModel + "resources:\n  workers: two\n") ==
        "hpo.yaml:5: resources.workers: expected an integer from 1 to 65536, got \"two\"");
  CHECK(error_of("workflow: hpo\n" + kModel + "resources:\n  workers: 0\n") ==
        "hpo.yaml:5: resources.workers: expected an integer from 1 to 65536, got 0");
  CHECK(error_of("workflow: hpo\n" + kModel + "objective:\n  goal: lowest\n") ==
        "hpo.yaml:5: objective.goal: expected one of minimize, maximize, got \"lowest\"");
  CHECK(error_of("workflow: hpo\n" + kModel + "objective: {mode: median}\n") ==
        "hpo.yaml:4: objective.mode: expected one of last, min, max, got \"median\"");
}

TEST_CASE("a sweep workflow needs exactly one sweep source") {
  CHECK(error_of("workflow: sweep\n" + kModel) ==
        "hpo.yaml:1: sweep: missing (a sweep workflow needs `sweep:` with grid, list or file)");
  CHECK(error_of("workflow: sweep\n" + kModel + "sweep: {}\n") ==
        "hpo.yaml:4: sweep: give exactly one of grid, list, file (found none)");
  CHECK(error_of("workflow: sweep\n" + kModel + "sweep:\n  grid: {a: [1]}\n  list: [{a: 1}]\n") ==
        "hpo.yaml:4: sweep: give exactly one of grid, list, file (found grid and list)");
}

TEST_CASE("grid and list sweeps reject empty or mis-shaped values") {
  CHECK(error_of("workflow: sweep\n" + kModel + "sweep:\n  grid:\n    lr: []\n") ==
        "hpo.yaml:6: sweep.grid.lr: expected a non-empty list of values, got an empty list");
  CHECK(error_of("workflow: sweep\n" + kModel + "sweep:\n  grid:\n    lr: 0.1\n") ==
        "hpo.yaml:6: sweep.grid.lr: expected a list of values, got 0.1 (write e.g. `lr: [1, 2]`)");
  CHECK(error_of("workflow: sweep\n" + kModel + "sweep:\n  list:\n    - {a: 1}\n    - 7\n") ==
        "hpo.yaml:7: sweep.list[1]: expected a mapping of parameter names to values, got 7");
}

TEST_CASE("a sweep file is resolved against the workflow folder and must exist with a known extension") {
  TempDir dir;
  dir.write("points.csv", "a\n1\n");
  WorkflowSpec s =
      parse_workflow("workflow: sweep\n" + kModel + "sweep: {file: points.csv}\n", "w.yaml", dir.path());
  CHECK(s.sweep.source == SweepSpec::Source::file);
  CHECK(s.sweep.file == dir.path() + "/points.csv");

  CHECK(config_error([&] {
          parse_workflow("workflow: sweep\n" + kModel + "sweep: {file: missing.csv}\n", "w.yaml", dir.path());
        }) == "w.yaml:4: sweep.file: cannot find " + dir.path() +
                  "/missing.csv (relative paths start at the workflow file's folder)");
  CHECK(config_error([&] {
          parse_workflow("workflow: sweep\n" + kModel + "sweep: {file: points.txt}\n", "w.yaml", dir.path());
        }) == "w.yaml:4: sweep.file: expected a .csv, .jsonl or .json file, got \"points.txt\"");
}

// --- load_workflow ---

TEST_CASE("load_workflow fills the source fields and resolves paths against the file's folder") {
  TempDir dir;
  dir.write("exp/grid.jsonl", "{\"a\": 1}\n");
  std::string text = "workflow: sweep\n" + kModel + "sweep: {file: grid.jsonl}\n";
  std::string file = dir.write("exp/my-sweep.yaml", text);
  WorkflowSpec s = load_workflow(file);
  CHECK(s.name == "my-sweep");
  CHECK(s.source_path == file);
  CHECK(s.source_dir == dir.path() + "/exp");
  CHECK(s.source_text == text);
  CHECK(s.sweep.file == dir.path() + "/exp/grid.jsonl");
}

TEST_CASE("load_workflow errors name the file: missing, a folder, or bad content") {
  TempDir dir;
  CHECK(config_error([&] { load_workflow(dir.path() + "/nope.yaml"); }) ==
        dir.path() + "/nope.yaml: cannot read workflow file (No such file or directory)");
  CHECK(config_error([&] { load_workflow(dir.path()); }) ==
        dir.path() + ": cannot read workflow file (it is a folder; give the .yaml inside it)");
  std::string bad = dir.write("bad.yaml", "workflow: sweep\nmodel:\n  timeout: x\n  entry: a:b\n");
  CHECK(config_error([&] { load_workflow(bad); }) ==
        bad + ":3: model.timeout: expected a number ≥ 0, got \"x\" (seconds; 0 means no limit)");
}

TEST_CASE("a worker is declared lost only after at least two missed heartbeats") {
  const std::string sweep = "workflow: sweep\n" + kModel + "sweep: {list: [{x: 1}]}\n";
  CHECK(error_of(sweep + "resources:\n  heartbeat_s: 5\n  lost_after_s: 6\n") ==
        "hpo.yaml:7: resources.lost_after_s: must be at least twice heartbeat_s (5.0 s), or one late heartbeat "
        "would lose a healthy worker");
  CHECK(error_of(sweep + "resources:\n  heartbeat_s: -1\n") ==
        "hpo.yaml:6: resources.heartbeat_s: expected a number ≥ 0, got -1 (seconds; 0 turns heartbeats off)");
}
