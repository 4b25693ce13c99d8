// IsolatedShell: Python model tasks in a resident child process (`python -m model_runner.isolated`),
// started once and fed tasks over a pipe. A crash, os._exit or OOM kill in model code ends the child, not
// the MPI job: that attempt fails with how the child died, and the next task starts a fresh child. A task
// past model.timeout is a hard stop: the child is terminated (then killed after a grace period).
#pragma once
#include "shell/shell.hpp"

namespace sv::shell {

std::unique_ptr<Shell> make_isolated_shell(const ShellConfig& config, ProgressSink progress);

}  // namespace sv::shell
