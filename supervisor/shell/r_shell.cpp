// The shell's only file that includes RInside.h. RInside is constructed on the worker's main thread (the
// thread that runs tasks), once per process, and R's C stack check re-armed (TOOLCHAIN.md). The R half
// (calling models, ctx, timeout, output capture) is r_model.R, compiled in as kRModelSource.
#include <RInside.h>
#include <sys/resource.h>

#include <cstdint>

// R's C stack check (Rinterface.h declares these only under CSTACK_DEFNS, before RInside's include of it).
extern "C" {
extern uintptr_t R_CStackLimit;
extern uintptr_t R_CStackStart;
}

#include <filesystem>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "r_model_source.hpp"
#include "shell/r_shell.hpp"
#include "shell/task_files.hpp"

namespace sv::shell {

namespace fs = std::filesystem;

namespace {

// The worker's hooks for R models (r_model.R's .sv_shell$hooks). One embedded R per process and R runs
// only on the worker's main thread, so process-wide state is the honest shape, as in python_shell.cpp.
ProgressSink g_progress;
std::uint64_t g_task_id = 0;  // the task R is running now: report() rows belong to it
double g_drain_at = 0;        // wall time after which models are asked to stop; 0 = never

void report_hook(std::string payload) {
  if (g_progress) g_progress(g_task_id, payload);
}

bool should_stop_hook() {
  return stop_requested() || (g_drain_at > 0 && core::wall_now() >= g_drain_at) || task_stop_requested(g_task_id);
}

RInside& embedded_r() {
  RInside* r = RInside::instancePtr();
  if (!r) {
    r = new RInside(0, nullptr, /*loadRcpp=*/true, /*verbose=*/false, /*interactive=*/false);  // one per process, ever
    // RInside switches the C stack check off; re-arm it for this (the main) thread.
    struct rlimit rl {};
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
      R_CStackLimit = static_cast<uintptr_t>(0.95 * static_cast<double>(rl.rlim_cur));
  }
  return *r;
}

class RShell : public Shell {
 public:
  RShell(const ShellConfig& config, ProgressSink progress) : config_(config) {
    g_progress = std::move(progress);
    g_drain_at = config.drain_at;
    try {
      RInside& R = embedded_r();
      R.parseEvalQ(kRModelSource);
      R.parseEvalQ("suppressPackageStartupMessages(loadNamespace('jsonlite'))");
      R["sv_report_hook"] = Rcpp::InternalFunction(&report_hook);
      R["sv_should_stop_hook"] = Rcpp::InternalFunction(&should_stop_hook);
      R.parseEvalQ(".sv_shell$hooks <- list(report = sv_report_hook, should_stop = sv_should_stop_hook); "
                   "rm(sv_report_hook, sv_should_stop_hook)");
      run_ = std::make_unique<Rcpp::Function>(R.parseEval(".sv_shell$run"));
    } catch (const std::exception& e) {
      throw core::ModelError(std::string("cannot start the embedded R for R models: ") + e.what());
    }
  }

  core::TaskResult run(const core::TaskInput& task) override {
    return timed_outcome([&](core::TaskResult& out) { run_task(task, out); });
  }

 private:
  void run_task(const core::TaskInput& task, core::TaskResult& out) {
    const spec::ModelSpec& model = config_.models.at(task.model);
    auto colon = model.entry.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == model.entry.size())
      throw core::ModelError("model.entry: expected \"file.R:function\", got '" + model.entry + "'");
    std::string file = model.entry.substr(0, colon), fun = model.entry.substr(colon + 1);
    if (fs::path(file).is_relative()) file = (fs::path(config_.source_dir) / file).string();
    core::Json params = core::merge_params(model.defaults, core::Json::parse(task.params));
    fs::path dir = task_dir(config_.run_dir, task.node_id);
    if (model.task_files) {
      fs::create_directories(dir);
      write_text_atomic(dir / "params.json", params.dump(2) + "\n");
    }
    // What ctx tells the model and how r_model.R runs it (timeout, output capture).
    Rcpp::List info = Rcpp::List::create(
        Rcpp::Named("task_id") = static_cast<double>(task.task_id), Rcpp::Named("node_id") = std::string(task.node_id),
        Rcpp::Named("attempt") = static_cast<int>(task.attempt), Rcpp::Named("rank") = config_.rank,
        Rcpp::Named("host") = config_.host, Rcpp::Named("model_name") = model.name.empty() ? "model" : model.name,
        Rcpp::Named("task_dir") = dir.string(), Rcpp::Named("task_files") = model.task_files,
        Rcpp::Named("timeout") = model.timeout_s, Rcpp::Named("metric") = config_.objective.metric);
    g_task_id = task.task_id;
    auto answer = Rcpp::as<std::vector<std::string>>((*run_)(file, fun, params.dump(), info));
    if (answer.size() != 3) throw core::ModelError("the R shell answered " + std::to_string(answer.size()) + " values, not 3");
    const std::string& status = answer[0];
    if (status != "ok") {
      out.outcome = core::Outcome::failed;
      out.result = answer[1];
      if (status == "interrupted") {
        out.outcome = core::Outcome::interrupted;  // stopped at the job's request: it resumes, it did not fail
        out.error = answer[2];
      } else if (status == "timeout") {
        out.error = "timed out after " + core::format_duration(model.timeout_s) +
                    " (model.timeout): the model call was interrupted\n\n" + answer[2];
      } else {
        out.error = answer[2];
      }
      if (model.task_files) {
        out.error += "\n\nlogs: " + (dir / "stdout.log").string() + ", " + (dir / "stderr.log").string();
        write_text_atomic(dir / "error.txt", out.error + "\n");
      }
      return;
    }
    core::Json result = core::Json::parse(answer[1], nullptr, false);
    // One rule for every model kind (core::pick_objective): objective.mode, and NaN / inf = a failed task.
    auto picked = core::pick_objective(result, config_.objective.metric, config_.objective.mode);
    if (result.is_number()) result = core::Json{{config_.objective.metric, result}};
    out.result = result.dump();
    if (!picked.value) {
      out.outcome = core::Outcome::failed;
      out.error = picked.error + " (the R model's result)";
      return;
    }
    out.objective = picked.value;
    if (model.task_files) write_text_atomic(dir / "result.json", result.dump(2) + "\n");
  }

  ShellConfig config_;
  std::unique_ptr<Rcpp::Function> run_;  // kept for the worker's life (R objects are protected by Rcpp)
};

}  // namespace

std::unique_ptr<Shell> make_r_shell(const ShellConfig& config, ProgressSink progress) {
  return std::make_unique<RShell>(config, std::move(progress));
}

}  // namespace sv::shell
