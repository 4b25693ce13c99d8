// RShell: the worker's embedded R (RInside), resident for the worker's life. `model: {kind: r, entry:
// "/abs/file.R:function"}`: the file is sourced once, the function called per task with the parameters as a
// named list (jsonlite); it answers a named list or a number. An R error fails the task with R's message;
// the worker lives on.
#pragma once
#include "shell/shell.hpp"

namespace sv::shell {

std::unique_ptr<Shell> make_r_shell(const ShellConfig& config);

}  // namespace sv::shell
