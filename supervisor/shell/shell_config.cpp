#include "shell/shell_config.hpp"

namespace sv::shell {

ShellConfig shell_config(const spec::WorkflowSpec& spec, const std::string& run_dir, int rank,
                         const std::string& host, double drain_at) {
  ShellConfig config;
  config.run_dir = run_dir;
  config.rank = rank;
  config.host = host;
  config.source_dir = spec.source_dir;
  config.models = spec.models;  // [0] is spec.model
  config.objective = spec.objective;
  config.preload = spec.resources.preload;
  config.isolated = spec.resources.shell == spec::ShellMode::isolated;
  config.drain_at = drain_at;
  config.python_executable = spec.resources.python;
  config.timeout_grace_s = spec.resources.timeout_grace_s;
  return config;
}

}  // namespace sv::shell
