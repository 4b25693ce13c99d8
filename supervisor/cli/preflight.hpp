// Preflight: the checks `validate`, `submit` and `run` make in Python before anything is created. Terms:
// a *problem* is one key of the workflow (`optimizer.options.n_startupp`, `model.entry`) and what is wrong
// with it. The optimizer's package (DEAP for ga, Optuna for tpe and nsga2) is looked for first; Python
// optimizers are then built (not run) by eqpy, so their options are checked by the code that will use
// them; Python models are imported as a worker would import them. All of it happens in one child Python
// (preflight/preflight.py), so model code run by the import cannot hang or crash the supervisor, and the
// real run starts with a fresh interpreter; only a model Python other than the embedded one (an isolated
// shell's) takes a second child.
#pragma once
#include "spec/workflow_spec.hpp"

namespace sv::cli {

/// What to check. `submit` and `run` check the optimizer only: `submit` runs on a login node, where a model's
/// modules may not be loaded, and `run` meets a model that does not import at once, with its traceback.
enum class Checks { optimizer, optimizer_and_model_import };

/// Throws core::ConfigError `FILE:LINE: KEY: what` for the first problem (`FILE: optimizer.name: ga needs
/// the Python package 'deap', ...` for a missing package); returns when there is none.
void preflight(const spec::WorkflowSpec& spec, Checks checks);

/// The line (1-based) of `key_path` (`a.b.c`) in the YAML text, or of its deepest key that is there; 0 when
/// not even the first key is.
int line_of(const std::string& yaml_text, const std::string& key_path);

}  // namespace sv::cli
