// Text that reaches a batch script: every value from a site file or the command line passes one of these
// checks before it is written, and every shell word is quoted. Directive lines (`#SBATCH ...`) are read by
// the scheduler, not the shell, so what they carry is kept to characters no scheduler splits or expands.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sv::site {

/// One shell word: returned as is when it holds only [A-Za-z0-9_@%+=:,./-], else in single quotes
/// (a ' inside becomes '\'').
std::string shell_quote(std::string_view word);

/// Words joined by spaces, each quoted as needed.
std::string shell_join(const std::vector<std::string>& words);

/// A queue, partition, project or account name: 1..64 of [A-Za-z0-9_.@:+-], not starting with '-'.
bool is_safe_name(std::string_view s);

/// A module name: 1..128 of [A-Za-z0-9_.@:+/-], not starting with '-'.
bool is_module_name(std::string_view s);

/// An environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_name(std::string_view s);

/// A path a directive may carry: absolute, of [A-Za-z0-9_.@+/-] only.
bool is_directive_path(std::string_view s);

/// Printable text without control characters (no newline can end a directive or comment early).
bool is_single_line(std::string_view s);

/// A walltime (core/walltime.hpp: H:MM:SS, MM:SS or seconds) as the whole seconds batch directives take
/// (a fraction rounds up); -1 when it is not one.
int whole_walltime(std::string_view s);

/// Seconds as `H:MM:SS`.
std::string format_walltime(int seconds);

}  // namespace sv::site
