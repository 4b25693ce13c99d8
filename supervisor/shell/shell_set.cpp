#include <filesystem>
#include <fstream>

#include "core/clock.hpp"
#include "core/build_features.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/json_util.hpp"
#include "core/process_tree.hpp"
#include "core/run_dir.hpp"
#include "shell/app_shell.hpp"
#include "shell/isolated_shell.hpp"
#include "shell/python_shell.hpp"
#ifdef SV_WITH_R
#include "shell/r_shell.hpp"
#endif
#include "shell/shell.hpp"
#include "shell/task_files.hpp"

namespace sv::shell {

namespace {
// How long a task's leftover processes get after SIGTERM before SIGKILL.
constexpr double kLeftoverGraceS = 2.0;

class NoopShell : public Shell {
 public:
  core::TaskResult run(const core::TaskInput&) override {
    core::TaskResult out;
    out.start_time = out.end_time = core::wall_now();
    out.objective = 0.0;
    out.result = "{}";
    return out;
  }
};
// A pruned task keeps what it reached: the objective by the usual rule over the epochs it reported (its
// history), and the last epoch, in the result ("pruned": true, "epoch": N); no objective when it
// reported none.
void finish_pruned(core::TaskResult& out, const spec::ObjectiveSpec& objective) {
  out.outcome = core::Outcome::pruned;
  core::Json result = core::parse_result_json(out.result);
  if (!result.is_object()) result = core::Json::object();
  result.erase("interrupted");
  result["pruned"] = true;
  auto history = result.find("history");
  if (history != result.end() && history->is_object()) {
    auto epochs = history->find("epoch");
    if (epochs != history->end() && epochs->is_array() && !epochs->empty() && epochs->back().is_number())
      result["epoch"] = epochs->back();
    if (!out.objective) out.objective = core::pick_objective(result, objective.metric, objective.mode).value;
  }
  out.result = result.dump();
  out.error.clear();  // not a failure ("interrupted ... it can resume" would mislead)
}

// model_runner's answer is (ok, objective, result, error): a task that stopped at the job's request (a
// drain) answers ok=False with "interrupted": true in its partial result. Read here, once, on the worker,
// for every model kind, so from here on the outcome itself says so.
bool marks_interrupted(const std::string& result) {
  if (result.find("\"interrupted\"") == std::string::npos) return false;  // most failures: no parse
  auto j = core::Json::parse(result, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.value("interrupted", false);
}
}  // namespace

std::string task_dir(const std::string& run_dir, std::string_view node_id) {
  return core::RunDir(run_dir).task(node_id);
}

void write_text_atomic(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw core::ModelError("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

ShellSet::ShellSet(ShellConfig config, ProgressSink progress) : config_(std::move(config)) {
  // Orphans of a model's processes (a double fork) are adopted here, not by init, so they can be ended.
  core::become_subreaper();
  Shell* python = nullptr;
  Shell* app = nullptr;
  Shell* noop = nullptr;
  Shell* r = nullptr;
  bool wants_python = !config_.preload.empty();
  for (const auto& m : config_.models) wants_python = wants_python || m.kind == spec::ModelKind::python;
  if (wants_python) {
    owned_.push_back(config_.isolated ? make_isolated_shell(config_, progress) : make_python_shell(config_, progress));
    python = owned_.back().get();
  }
  for (const auto& m : config_.models) {
    switch (m.kind) {
      case spec::ModelKind::python:
        by_model_.push_back(python);
        break;
      case spec::ModelKind::app:
        if (!app) {
          owned_.push_back(make_app_shell(config_, progress));
          app = owned_.back().get();
        }
        by_model_.push_back(app);
        break;
      case spec::ModelKind::noop:
        if (!noop) {
          owned_.push_back(std::make_unique<NoopShell>());
          noop = owned_.back().get();
        }
        by_model_.push_back(noop);
        break;
      case spec::ModelKind::r:
#ifdef SV_WITH_R
        if (!r) {
          owned_.push_back(make_r_shell(config_, progress));
          r = owned_.back().get();
        }
        by_model_.push_back(r);
        break;
#else
        // spec::parse_model refuses kind r in such a build; this is the guard behind it.
        throw core::ConfigError(core::without_r_message("model.kind: r"));
#endif
    }
  }
}

ShellSet::~ShellSet() = default;

core::TaskResult ShellSet::run(const core::TaskInput& task) {
  if (task.model >= by_model_.size()) {
    core::TaskResult out;
    out.outcome = core::Outcome::failed;
    out.error = "task names model " + std::to_string(task.model) + ", which this worker does not have";
    return out;
  }
  core::TaskResult out = by_model_[task.model]->run(task);
  // Asked to stop (pruning) and did not finish: pruned, whatever way it stopped (it returned at
  // ctx.should_stop(), or an app ended at its stop signal). One that finished first stays done.
  // (An R model that returned at should_stop() answers "interrupted", a Python one failed with the mark.)
  if (out.outcome != core::Outcome::ok && task_stop_requested(task.task_id)) finish_pruned(out, config_.objective);
  else if (out.outcome == core::Outcome::failed && marks_interrupted(out.result)) out.outcome = core::Outcome::interrupted;
  // Whatever the task started and left running ends with it (children of a Python or R model, an app's
  // daemon); resident interpreters stay.
  std::vector<int> keep;
  for (const auto& shell : owned_)
    for (int pid : shell->resident_processes()) keep.push_back(pid);
  core::end_descendants(std::vector<pid_t>(keep.begin(), keep.end()), kLeftoverGraceS);
  return out;
}

}  // namespace sv::shell
