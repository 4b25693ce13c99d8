// RShell: the worker's embedded R (RInside), resident for the worker's life. `model: {kind: r, entry:
// "/abs/file.R:function"}`: the file is sourced once, the function called per task with the parameters as a
// named list (jsonlite) and, when it takes two arguments, a `ctx` (progress rows streamed to rank 0, stop
// requests at a walltime drain, task directory, checkpoints; r_model.R); it answers a named list or a
// number. An R error or a model.timeout fails the task with R's message; the worker lives on.
#pragma once
#include "shell/shell.hpp"

namespace sv::shell {

std::unique_ptr<Shell> make_r_shell(const ShellConfig& config, ProgressSink progress);

}  // namespace sv::shell
