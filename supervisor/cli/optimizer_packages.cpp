#include "cli/optimizer_packages.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/errors.hpp"

#ifndef SV_PYTHON_EXECUTABLE
#define SV_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif

extern char** environ;

namespace sv::cli {

const char* optimizer_package(const std::string& optimizer) {
  if (optimizer == "ga") return "deap";
  if (optimizer == "tpe" || optimizer == "nsga2") return "optuna";
  return "";
}

namespace {
// 0: importable, 1: not, -1: the interpreter could not be run.
int probe(const std::string& python, const std::string& package) {
  // The package name comes from the table above, never from the user; it travels as an argv word.
  std::vector<std::string> args = {python, "-c",
                                   "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)",
                                   package};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 1 ? 1 : -1;
}
}  // namespace

void check_optimizer_package(const spec::WorkflowSpec& spec) {
  if (spec.kind != spec::WorkflowKind::hpo || spec.optimizer.language != spec::OptimizerLanguage::python) return;
  const std::string package = optimizer_package(spec.optimizer.name);
  if (package.empty()) return;
  const char* env = std::getenv("SV_PYTHON_EXECUTABLE");
  const std::string python = env && *env ? env : SV_PYTHON_EXECUTABLE;
  int rc = probe(python, package);
  if (rc == 1)
    throw core::ConfigError(spec.source_path + ": optimizer.name: " + spec.optimizer.name + " needs the Python package '" +
                            package + "', which " + python + " cannot import: install it into that Python (pip install " +
                            package + ", or apt install python3-" + package + "), or choose random, grid or mbo");
  if (rc < 0)
    throw core::ConfigError(spec.source_path + ": optimizer.name: " + spec.optimizer.name + ": cannot run " + python +
                            " to check for the package '" + package + "' (set SV_PYTHON_EXECUTABLE to the Python "
                            "the supervisor embeds)");
}

}  // namespace sv::cli
