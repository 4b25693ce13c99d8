// PythonShell: the embedded interpreter, resident for the worker's life. Model calls go through
// model_runner.shell (Python), which merges parameters, calls the user's function and extracts the
// objective; C++ only initializes the interpreter and passes one call per task.
#pragma once
#include "shell/shell.hpp"

namespace sv::shell {

std::unique_ptr<Shell> make_python_shell(const ShellConfig& config, ProgressSink progress);

}  // namespace sv::shell
