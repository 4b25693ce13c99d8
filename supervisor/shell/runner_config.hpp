// The configuration model_runner.shell.configure() receives, shared by the embedded and isolated shells.
#pragma once
#include <string>

#include "shell/shell.hpp"

namespace sv::shell {

std::string runner_config_json(const ShellConfig& config);

/// The objective rule's library model_runner loads (core/objective_abi.h): SV_OBJECTIVE_LIB, else the one
/// beside this binary (<prefix>/lib of an install or build tree), else the one this build made.
std::string objective_library();

}  // namespace sv::shell
