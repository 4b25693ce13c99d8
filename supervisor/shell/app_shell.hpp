// AppShell: runs a model that is a command line. The argv template's `{name}` placeholders are replaced
// per argument from the merged parameters (no shell is involved, so values cannot inject commands); the
// process gets env and cwd, its stdout/stderr go to the task directory, and a timeout kills its whole
// process group. The result is read from `result_file` or from the last line of stdout. JSON lines with
// an "epoch" that the app appends to $SV_PROGRESS_FILE go to `progress` as it runs (metrics, pruning).
#pragma once
#include "shell/shell.hpp"

namespace sv::shell {

std::unique_ptr<Shell> make_app_shell(const ShellConfig& config, ProgressSink progress);

/// Substitutes `{name}` placeholders of one argv element; `{{` and `}}` are literal braces. Strings go in
/// as they are, other JSON values as their JSON text. Throws core::ModelError naming an unknown name.
std::string substitute_placeholders(const std::string& arg, const core::Json& values);

}  // namespace sv::shell
