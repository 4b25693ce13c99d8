// The configuration model_runner.shell.configure() receives, shared by the embedded and isolated shells.
#pragma once
#include <string>

#include "shell/shell.hpp"

namespace sv::shell {

std::string runner_config_json(const ShellConfig& config);

}  // namespace sv::shell
