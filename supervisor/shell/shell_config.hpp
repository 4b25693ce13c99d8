// Shell config from a workflow: what a worker's ShellSet needs, read off the workflow spec in one place.
// Terms: the *run directory* is core::RunDir's root; *drain_at* is the wall time of a walltime drain.
#pragma once
#include <string>

#include "shell/shell.hpp"
#include "spec/workflow_spec.hpp"

namespace sv::shell {

/// The ShellConfig of worker `rank` on `host` for `spec` (its models, objective, preload modules, shell
/// mode, Python, timeouts). on_stuck is left empty: the worker that owns the channel to the server sets it.
ShellConfig shell_config(const spec::WorkflowSpec& spec, const std::string& run_dir, int rank,
                         const std::string& host, double drain_at);

}  // namespace sv::shell
