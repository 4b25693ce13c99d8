// The shell's only file that includes RInside.h. RInside is constructed on the worker's main thread (the
// thread that runs tasks), once per process, and R's C stack check re-armed (TOOLCHAIN.md).
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
#include "shell/r_shell.hpp"
#include "shell/task_files.hpp"

namespace sv::shell {

namespace fs = std::filesystem;

namespace {

// Defined once in the embedded R: sources each model file once (its own environment), calls the function,
// and returns "OK\n<json>" or "ERR\n<message>". Errors never escape as R conditions.
const char* kRunner = R"R(
.sv_shell <- new.env()
.sv_shell$files <- list()
.sv_shell$run <- function(file, fun, params_json) {
  out <- tryCatch({
    env <- .sv_shell$files[[file]]
    if (is.null(env)) {
      env <- new.env(parent = globalenv())
      sys.source(file, envir = env)
      .sv_shell$files[[file]] <- env
    }
    f <- get0(fun, envir = env, mode = "function", inherits = FALSE)
    if (is.null(f)) stop(sprintf("%s defines no function %s()", file, fun), call. = FALSE)
    params <- jsonlite::fromJSON(params_json, simplifyVector = TRUE, simplifyDataFrame = FALSE,
                                 simplifyMatrix = FALSE)
    value <- f(params)
    if (is.numeric(value) && length(value) == 1 && is.null(names(value))) {
      paste0("OK\n", jsonlite::toJSON(unname(value), auto_unbox = TRUE, digits = NA, na = "null"))
    } else if (is.list(value) || (is.atomic(value) && !is.null(names(value)))) {
      paste0("OK\n", jsonlite::toJSON(as.list(value), auto_unbox = TRUE, digits = NA, na = "null",
                                      null = "null", force = TRUE))
    } else {
      stop(sprintf("%s() returned a %s, not a named list or a number", fun, class(value)[1]), call. = FALSE)
    }
  }, error = function(e) {
    call <- conditionCall(e)
    where <- if (is.null(call)) "" else paste0("\n\nin: ", paste(deparse(call), collapse = "\n"))
    paste0("ERR\nR error: ", conditionMessage(e), where)
  })
  out
}
)R";

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
  explicit RShell(const ShellConfig& config) : config_(config) {
    try {
      RInside& R = embedded_r();
      R.parseEvalQ(kRunner);
      R.parseEvalQ("suppressPackageStartupMessages(loadNamespace('jsonlite'))");
      run_ = std::make_unique<Rcpp::Function>(R.parseEval(".sv_shell$run"));
    } catch (const std::exception& e) {
      throw core::ModelError(std::string("cannot start the embedded R for R models: ") + e.what());
    }
  }

  TaskOutcome run(const TaskInput& task) override {
    return timed_outcome([&](TaskOutcome& out) { run_task(task, out); });
  }

 private:
  void run_task(const TaskInput& task, TaskOutcome& out) {
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
    std::string answer = Rcpp::as<std::string>((*run_)(file, fun, params.dump()));
    if (answer.rfind("ERR\n", 0) == 0) {
      out.ok = false;
      out.error = answer.substr(4);
      return;
    }
    core::Json result = core::Json::parse(answer.substr(3), nullptr, false);
    auto objective = core::objective_from_result(result, config_.objective.metric);
    if (result.is_number()) result = core::Json{{config_.objective.metric, result}};
    out.result = result.dump();
    if (!objective) {
      out.ok = false;
      out.error = "objective '" + config_.objective.metric + "' missing from the R model's result";
      return;
    }
    out.objective = objective;
    if (model.task_files) write_text_atomic(dir / "result.json", result.dump(2) + "\n");
  }

  ShellConfig config_;
  std::unique_ptr<Rcpp::Function> run_;  // kept for the worker's life (R objects are protected by Rcpp)
};

}  // namespace

std::unique_ptr<Shell> make_r_shell(const ShellConfig& config) { return std::make_unique<RShell>(config); }

}  // namespace sv::shell
