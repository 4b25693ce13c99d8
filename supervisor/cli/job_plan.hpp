// Job plan: what a `run` or `resume` will do, decided the same way by the launcher (to fail fast) and by
// rank 0 (to act): start a fresh run, or continue one whose directory already holds a store (a resume, or
// a run that `submit` prepared). A workflow file that changed since the run started is refused, naming
// the sections that changed, unless forced.
#pragma once
#include <string>

#include "cli/commands.hpp"
#include "spec/workflow_spec.hpp"
#include "store/store.hpp"

namespace sv::cli {

struct JobPlan {
  enum class Mode { fresh, resume } mode = Mode::fresh;
  spec::WorkflowSpec spec;
  std::string out_dir;       // absolute
  bool spec_changed = false; // resume --force with a changed file: the store's copy is replaced
};

/// Throws core::UsageError / core::ConfigError with one line on anything that cannot go ahead.
JobPlan plan_job(const RunArgs& args);

/// The run row of a new store for `spec` in `out_dir` (`run` creates it "running", `submit` "submitted").
store::RunInfo new_run_info(const spec::WorkflowSpec& spec, const std::string& out_dir, const std::string& status);

}  // namespace sv::cli
