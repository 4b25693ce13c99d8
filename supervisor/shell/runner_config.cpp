#include "shell/runner_config.hpp"

#include "core/run_dir.hpp"
#include "core/resource_dir.hpp"

namespace sv::shell {

std::string objective_library() {
  return core::resource_file("SV_OBJECTIVE_LIB", SV_OBJECTIVE_LIB_BUILT, SV_OBJECTIVE_LIB_INSTALLED);
}

std::string runner_config_json(const ShellConfig& config) {
  core::Json models = core::Json::array();
  for (const auto& m : config.models) {
    models.push_back({{"name", m.entry.empty() ? spec::to_string(m.kind) : m.entry},
                      {"kind", spec::to_string(m.kind)},
                      {"entry", m.entry},
                      {"defaults", m.defaults},
                      {"python_path", m.python_path},
                      {"task_files", m.task_files},
                      {"timeout", m.timeout_s},
                      {"objective",
                       {{"metric", config.objective.metric},
                        {"goal", spec::to_string(config.objective.goal)},
                        {"mode", spec::to_string(config.objective.mode)}}}});
  }
  // The runner is handed the folder of the task directories, so the layout is named in C++ only.
  return core::Json{{"tasks_dir", core::RunDir(config.run_dir).tasks()}, {"rank", config.rank}, {"host", config.host},
                    {"models", models}, {"preload", config.preload}, {"objective_library", objective_library()}}
      .dump();
}

}  // namespace sv::shell
