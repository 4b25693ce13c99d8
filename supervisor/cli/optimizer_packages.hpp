// Optimizer packages: the Python optimizers built on DEAP (ga) and Optuna (tpe, nsga2) need those packages
// in the Python the supervisor embeds. `validate` and `run` ask that Python (a child process, so rank 0's
// own embedded interpreter is not started early) and fail with one line naming the package.
#pragma once
#include "spec/workflow_spec.hpp"

namespace sv::cli {

/// The Python package `optimizer` needs beyond eqpy ("deap", "optuna"), or "" when none.
const char* optimizer_package(const std::string& optimizer);

/// Throws core::ConfigError naming the package when the workflow's Python optimizer needs one that the
/// embedded Python cannot import. No-op for other workflows and for R optimizers.
void check_optimizer_package(const spec::WorkflowSpec& spec);

}  // namespace sv::cli
