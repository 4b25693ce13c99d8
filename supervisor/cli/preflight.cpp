#include "cli/preflight.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/process.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "core/resource_dir.hpp"
#include "engine/hpo.hpp"

#ifndef SV_PREFLIGHT_DIR
#define SV_PREFLIGHT_DIR ""
#endif
#ifndef SV_PYTHON_EXECUTABLE
#define SV_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif
#ifndef SV_SOURCE_ROOT_DIR
#define SV_SOURCE_ROOT_DIR ""
#endif

namespace sv::cli {

namespace fs = std::filesystem;
namespace bp = boost::process;

namespace {

constexpr int kTimeoutS = 300;  // an import that takes longer is a problem in itself

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The key a model's entry sits under in the YAML.
std::string entry_key(const spec::ModelSpec& m) {
  if (m.name.empty()) return "model.entry";
  if (m.name == "uq-aggregate") return "uq.aggregate";
  return "models." + m.name + ".entry";
}

// Removes a folder of scratch files when the check ends, however it ends.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string t = (fs::temp_directory_path() / "sv-preflight-XXXXXX").string();
    if (!mkdtemp(t.data())) throw core::ConfigError("cannot create a scratch folder for the workflow check in " +
                                                    fs::temp_directory_path().string());
    path = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

int line_of(const std::string& yaml_text, const std::string& key_path) {
  YAML::Node node;
  try {
    node = YAML::Load(yaml_text);
  } catch (const YAML::Exception&) {
    return 0;
  }
  int line = 0;
  std::stringstream parts(key_path);
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (!node.IsMap()) break;
    bool found = false;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == part) {
        line = it->first.Mark().line + 1;
        node = it->second;
        found = true;
        break;
      }
    }
    if (!found) break;
  }
  return line;
}

namespace {

// The Python a check runs in, with what the child is asked and what its answer means.
struct Check {
  std::string python;
  core::Json request;
  std::string package;  // the optimizer's package this child looks for ("" = none)
};

const char* optimizer_package(const std::string& optimizer) {
  if (optimizer == "ga") return "deap";
  if (optimizer == "tpe" || optimizer == "nsga2") return "optuna";
  return "";
}

// The Python the supervisor embeds (the optimizer's and a shared shell's), as pyembed picks it.
std::string embedded_python() {
  const char* env = std::getenv("SV_PYTHON_EXECUTABLE");
  return env && *env ? env : SV_PYTHON_EXECUTABLE;
}

std::string package_missing(const spec::WorkflowSpec& spec, const std::string& package, const std::string& python) {
  return spec.source_path + ": optimizer.name: " + spec.optimizer.name + " needs the Python package '" + package +
         "', which " + python + " cannot import: install it into that Python (pip install " + package +
         ", or apt install python3-" + package + "), or choose random, grid or mbo";
}

std::string package_unchecked(const spec::WorkflowSpec& spec, const std::string& package, const std::string& python) {
  return spec.source_path + ": optimizer.name: " + spec.optimizer.name + ": cannot run " + python +
         " to check for the package '" + package + "' (set SV_PYTHON_EXECUTABLE to the Python the supervisor embeds)";
}

// Runs preflight.py once in check.python; throws core::ConfigError for the first problem it reports.
void run_check(const spec::WorkflowSpec& spec, const Check& check) {
  const std::string& python = check.python;
  ScratchDir scratch;
  const fs::path in = scratch.path / "request.json", out = scratch.path / "answer.json",
                 err = scratch.path / "stderr.txt";
  std::ofstream(in) << check.request.dump();
  const std::string script = core::resource_dir("SV_PREFLIGHT_DIR", SV_PREFLIGHT_DIR, "preflight") + "/preflight.py";
  int code = -1;
  try {
    bp::child child(bp::exe = bp::search_path(python).empty() ? python : bp::search_path(python).string(),
                    bp::args = {script}, bp::std_in < in.string(), bp::std_out > out.string(),
                    bp::std_err > err.string());
    if (!child.wait_for(std::chrono::seconds(kTimeoutS))) {
      child.terminate();
      throw core::ConfigError(spec.source_path + ": checking the optimizer and importing the model took over " +
                              std::to_string(kTimeoutS) + " s (does importing the model's module hang?)");
    }
    code = child.exit_code();
  } catch (const bp::process_error& e) {
    if (!check.package.empty()) throw core::ConfigError(package_unchecked(spec, check.package, python));
    throw core::ConfigError(spec.source_path + ": cannot start " + python + " to check the workflow's Python: " +
                            e.what());
  }
  core::Json answer = core::Json::parse(read_all(out), nullptr, false);
  if (code != 0 || !answer.is_object() || !answer.contains("problems")) {
    std::string tail = read_all(err);
    if (tail.size() > 400) tail = "..." + tail.substr(tail.size() - 400);
    throw core::ConfigError(spec.source_path + ": the check of the workflow's Python (" + script +
                            ") failed with status " + std::to_string(code) + ": " + tail);
  }
  // A missing package first: the optimizer's own check was skipped for it, and it says what to install.
  if (answer.contains("missing_package"))
    throw core::ConfigError(package_missing(spec, answer["missing_package"].get<std::string>(), python));
  for (const auto& p : answer["problems"]) {
    std::string key = p.value("key", std::string("optimizer"));
    std::string what = p.value("what", std::string("invalid"));
    int line = line_of(spec.source_text, key);
    throw core::ConfigError(spec.source_path + ":" + (line > 0 ? std::to_string(line) + ":" : std::string()) + " " +
                            key + ": " + what);
  }
}

}  // namespace

void preflight(const spec::WorkflowSpec& spec, Checks checks) {
  // The same folders the shells and the optimizer host use, in a build tree or an install tree.
  const std::string source_root = SV_SOURCE_ROOT_DIR;
  const core::Json base = {{"eq_py", core::resource_dir("SV_EQ_PY_ROOT", source_root + "/eq_py", "eq_py")},
                           {"runner", core::resource_dir("SV_PYTHON_ROOT", source_root, "python")},
                           {"optimizer", nullptr},
                           {"package", nullptr},
                           {"models", core::Json::array()}};
  // The optimizer is checked in the Python that will run it, the embedded one.
  Check optimizer{embedded_python(), base, ""};
  // pbt: the engine decides (engine/pbt.hpp); there is no Python optimizer to check.
  if (spec.kind == spec::WorkflowKind::hpo && spec.optimizer.language == spec::OptimizerLanguage::python &&
      !spec.optimizer.pbt) {
    optimizer.request["optimizer"] = engine::optimizer_config(spec, "", spec.resources.workers);
    optimizer.package = optimizer_package(spec.optimizer.name);
    if (!optimizer.package.empty()) optimizer.request["package"] = optimizer.package;
  }
  // Models are imported in the supervisor's own Python unless an isolated shell names another one.
  Check models{!spec.resources.python.empty() && spec.resources.shell == spec::ShellMode::isolated
                   ? spec.resources.python
                   : SV_PYTHON_EXECUTABLE,
               base, ""};
  for (const auto& m : spec.models)
    if (checks == Checks::optimizer_and_model_import && m.kind == spec::ModelKind::python && !m.entry.empty())
      models.request["models"].push_back({{"key", entry_key(m)},
                                          {"entry", m.entry},
                                          {"python_path", m.python_path},
                                          {"source_dir", spec.source_dir}});
  const bool check_optimizer = !optimizer.request["optimizer"].is_null();
  const bool check_models = !models.request["models"].empty();
  // One child Python for both when they share an interpreter (the usual case): one start-up.
  if (check_optimizer && check_models && optimizer.python == models.python) {
    optimizer.request["models"] = models.request["models"];
    run_check(spec, optimizer);
    return;
  }
  if (check_optimizer) run_check(spec, optimizer);
  if (check_models) run_check(spec, models);
}

}  // namespace sv::cli
