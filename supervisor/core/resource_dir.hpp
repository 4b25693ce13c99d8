// Resource folders: the Python, R and YAML files the binary needs at run time (model_runner, eq_py, eq_r,
// site_configs, the report package). An *install tree* keeps them in <prefix>/share/supervisor/<name>,
// found relative to the running executable (<prefix>/bin/supervisor), so a moved install still works; a
// *build tree* uses the source folders compiled in. An environment variable overrides both.
#pragma once
#include <string>

namespace sv::core {

/// The running executable's absolute path (/proc/self/exe); "" when it cannot be read.
std::string executable_path();

/// `env` when set and non-empty; else <exe dir>/../share/supervisor/<installed_name> when that folder
/// exists; else `compiled`.
std::string resource_dir(const char* env, const std::string& compiled, const std::string& installed_name);

/// The same for one file: `env` when set and non-empty; else <exe dir>/../<relative_to_prefix> when that
/// file exists (an install tree, or the build tree, whose bin/ and lib/ sit side by side); else `compiled`.
std::string resource_file(const char* env, const std::string& compiled, const std::string& relative_to_prefix);

}  // namespace sv::core
