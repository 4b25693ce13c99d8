# The R half of RShell (r_shell.cpp embeds this file at build time; tests/r sources it). Terms: a *ctx* is
# the per-task handle a model gets as its second argument (progress, stop requests, task files,
# checkpoints), the R twin of model_runner's Context; the *hooks* are the worker's link to rank 0
# (stream one progress row, ask whether the job is draining). Outside a worker the hooks send nothing
# and never stop, like model_runner's NullBridge. Nothing here lets an R condition reach C++: each task
# ends as c(status, result_json, error) with status one of "ok", "error", "timeout", "interrupted".

.sv_shell <- new.env()
.sv_shell$files <- list()   # model file -> the environment it was sourced into (once per worker)
.sv_shell$current <- NULL   # the running task's ctx, for sv_report() and friends
.sv_shell$hooks <- list(report = function(payload_json) invisible(NULL), should_stop = function() FALSE)

# What every model file sees besides its own definitions (its environment's parent): the running task's
# ctx for models written as function(params).
.sv_shell$api <- new.env(parent = globalenv())
.sv_shell$api$.sv_shell <- .sv_shell
local(envir = .sv_shell$api, {
  sv_ctx <- function() {
    ctx <- .sv_shell$current
    if (is.null(ctx)) stop("sv_ctx(): no Supervisor task is running in this R session", call. = FALSE)
    ctx
  }
  sv_report <- function(epoch, ...) sv_ctx()$report(epoch, ...)
  sv_should_stop <- function() sv_ctx()$should_stop()
  sv_task_dir <- function() sv_ctx()$task_dir
})

.sv_shell$json <- function(x) {
  if (is.list(x) && !length(x)) return("{}")  # an empty named list is an object, not []
  as.character(jsonlite::toJSON(x, auto_unbox = TRUE, digits = NA, na = "null", null = "null", force = TRUE))
}

.sv_shell$checkpoint_files <- function(folder) {
  names <- list.files(folder, pattern = "^epoch-[0-9]+\\.rds$")
  epochs <- as.integer(sub("^epoch-([0-9]+)\\.rds$", "\\1", names))
  ord <- order(epochs)
  list(epoch = epochs[ord], path = file.path(folder, names[ord]))
}

# One task's ctx. `task`: task_id, node_id, attempt, rank, host, model_name, task_dir (planned; created
# on first use).
.sv_shell$new_ctx <- function(params, task) {
  ctx <- new.env(parent = emptyenv())
  ctx$params <- params
  for (key in c("task_id", "node_id", "attempt", "rank", "host", "model_name")) assign(key, task[[key]], envir = ctx)
  ctx$history <- list()
  ctx$stop_seen <- FALSE
  ctx$last_checkpoint <- NULL
  folder <- task$task_dir
  checkpoints <- file.path(folder, "checkpoints")
  makeActiveBinding("task_dir", function() {
    dir.create(folder, recursive = TRUE, showWarnings = FALSE)
    folder
  }, ctx)
  makeActiveBinding("checkpoint_dir", function() {
    dir.create(checkpoints, recursive = TRUE, showWarnings = FALSE)
    checkpoints
  }, ctx)
  # The newest checkpoint an earlier, interrupted attempt of this node left, or NULL; creates nothing.
  makeActiveBinding("resume_from", function() {
    found <- .sv_shell$checkpoint_files(checkpoints)
    if (length(found$path)) found$path[length(found$path)] else NULL
  }, ctx)

  # report(epoch, loss = 0.3, val_loss = 0.4), or report(list(epoch = 1, loss = 0.3)): one metrics row,
  # kept in ctx$history and streamed to the run's store while the task runs.
  ctx$report <- function(epoch, ...) {
    row <- if (is.list(epoch) && ...length() == 0) epoch else c(list(epoch = epoch), list(...))
    if (is.null(row$epoch)) stop("report(): the row needs an epoch", call. = FALSE)
    if (is.null(names(row)) || any(names(row) == "")) stop("report(): every metric needs a name", call. = FALSE)
    row <- lapply(row, function(v) if (is.atomic(v) && length(v) == 1) unname(v) else v)
    ctx$history[[length(ctx$history) + 1]] <- row
    .sv_shell$hooks$report(.sv_shell$json(row))
    invisible(row)
  }
  # TRUE once the job asks running tasks to stop (walltime drain): save a checkpoint and return; the task is
  # then recorded as interrupted, not failed, and resumes.
  ctx$should_stop <- function() {
    if (!ctx$stop_seen && isTRUE(.sv_shell$hooks$should_stop())) ctx$stop_seen <- TRUE
    ctx$stop_seen
  }
  # checkpoint_dir/epoch-NNNN.rds holding list(epoch, state), written atomically; keeps the `keep` newest.
  ctx$save_checkpoint <- function(epoch, state, keep = 2) {
    folder <- ctx$checkpoint_dir
    path <- file.path(folder, sprintf("epoch-%04d.rds", as.integer(epoch)))
    tmp <- tempfile(".tmp-", tmpdir = folder)
    saveRDS(list(epoch = as.integer(epoch), state = state), tmp)
    if (!file.rename(tmp, path)) stop("save_checkpoint(): cannot rename ", tmp, " to ", path, call. = FALSE)
    found <- .sv_shell$checkpoint_files(folder)
    if (!is.null(keep) && keep > 0 && length(found$path) > keep) unlink(head(found$path, -keep))
    ctx$last_checkpoint <- path
    invisible(path)
  }
  # list(epoch, state) from the newest checkpoint, or NULL.
  ctx$load_checkpoint <- function() {
    path <- ctx$resume_from
    if (is.null(path)) NULL else readRDS(path)
  }
  class(ctx) <- "sv_ctx"
  ctx
}

registerS3method("print", "sv_ctx", function(x, ...) {
  cat(sprintf("<sv_ctx model=%s node=%s task=%s attempt=%s>\n", x$model_name, x$node_id, x$task_id, x$attempt))
  invisible(x)
})

# Columns from per-epoch rows (model_runner's history_from_rows): a metric missing in an epoch is null there.
.sv_shell$history_columns <- function(rows) {
  keys <- unique(unlist(lapply(rows, names)))
  stats::setNames(lapply(keys, function(k) lapply(rows, function(r) if (is.null(r[[k]])) NA else r[[k]])), keys)
}

# What a task tells besides its value, also when it failed: reported epochs, last checkpoint, interrupted.
.sv_shell$extras <- function(ctx) {
  out <- list()
  if (is.null(ctx)) return(out)
  if (length(ctx$history)) out$history <- .sv_shell$history_columns(ctx$history)
  if (!is.null(ctx$last_checkpoint)) out$artifacts <- list(checkpoint = ctx$last_checkpoint)
  if (ctx$stop_seen) out$interrupted <- TRUE
  out
}

.sv_shell$model_function <- function(file, fun) {
  env <- .sv_shell$files[[file]]
  if (is.null(env)) {
    if (!file.exists(file)) stop(sprintf("model file %s does not exist (model.entry)", file), call. = FALSE)
    env <- new.env(parent = .sv_shell$api)
    sys.source(file, envir = env)
    .sv_shell$files[[file]] <- env
  }
  f <- get0(fun, envir = env, mode = "function", inherits = FALSE)
  if (is.null(f)) stop(sprintf("%s defines no function %s()", file, fun), call. = FALSE)
  f
}

# How a model is called (model_runner's call_arity): function() -> f(), function(params) -> f(params),
# two or more arguments, or `...`, -> f(params, ctx).
.sv_shell$call_model <- function(f, params, ctx) {
  args <- names(formals(f))
  if ("..." %in% args || length(args) >= 2) f(params, ctx) else if (length(args) == 1) f(params) else f()
}

# The model's value as result JSON: a number alone, or a named list with the ctx's extras added.
.sv_shell$value_json <- function(value, fun, extras, metric) {
  if (is.numeric(value) && length(value) == 1 && is.null(names(value)) && !length(extras)) {
    return(.sv_shell$json(unname(value)))
  }
  if (is.numeric(value) && length(value) == 1 && is.null(names(value))) {
    value <- stats::setNames(list(unname(value)), metric)
  } else if (is.list(value) || (is.atomic(value) && !is.null(names(value)))) {
    value <- as.list(value)
  } else {
    stop(sprintf("%s() returned a %s, not a named list or a number", fun, class(value)[1]), call. = FALSE)
  }
  for (key in names(extras)) if (is.null(value[[key]])) value[[key]] <- extras[[key]]
  .sv_shell$json(value)
}

.sv_shell$error_text <- function(e) {
  call <- conditionCall(e)
  where <- if (is.null(call)) "" else paste0("\n\nin: ", paste(deparse(call), collapse = "\n"))
  paste0("R error: ", conditionMessage(e), where)
}

# R's output (print, cat, message, warnings) of one task into task_dir/stdout.log and stderr.log.
.sv_shell$open_logs <- function(folder) {
  dir.create(folder, recursive = TRUE, showWarnings = FALSE)
  out <- file(file.path(folder, "stdout.log"), open = "wt")
  err <- file(file.path(folder, "stderr.log"), open = "wt")
  depth <- sink.number()
  sink(out)
  sink(err, type = "message")
  list(out = out, err = err, depth = depth, warn = options(warn = 1))
}

.sv_shell$close_logs <- function(logs) {
  if (is.null(logs)) return(invisible())
  while (sink.number() > logs$depth) sink()  # the model's own leftover sinks too
  sink(type = "message")
  close(logs$out)
  close(logs$err)
  options(logs$warn)
  invisible()
}

# One task: c(status, result_json, error). `task` as for new_ctx plus task_files (logical), timeout
# (seconds, 0 = none) and metric (the objective's name, for a model that answers a bare number). R's elapsed time limit interrupts R code at its next check: a loop stops within
# moments, but one long Sys.sleep() or C call finishes first.
.sv_shell$run <- function(file, fun, params_json, task) {
  ctx <- NULL
  timeout <- as.numeric(task$timeout)
  logs <- if (isTRUE(task$task_files)) .sv_shell$open_logs(task$task_dir) else NULL
  on.exit({
    setTimeLimit(elapsed = Inf)
    .sv_shell$current <- NULL
    .sv_shell$close_logs(logs)
  }, add = TRUE)
  started <- proc.time()[["elapsed"]]
  late <- function() timeout > 0 && proc.time()[["elapsed"]] - started >= timeout
  tryCatch({
    if (timeout > 0) setTimeLimit(elapsed = timeout)
    f <- .sv_shell$model_function(file, fun)
    params <- jsonlite::fromJSON(params_json, simplifyVector = TRUE, simplifyDataFrame = FALSE,
                                 simplifyMatrix = FALSE)
    ctx <- .sv_shell$new_ctx(params, task)
    .sv_shell$current <- ctx
    value <- .sv_shell$call_model(f, params, ctx)
    setTimeLimit(elapsed = Inf)
    extras <- .sv_shell$extras(ctx)
    if (late()) {
      # The model caught the time-limit error itself and went on: still a timeout.
      c("timeout", .sv_shell$json(extras), "the model returned only after its timeout")
    } else if (ctx$stop_seen) {
      at <- if (length(ctx$history)) sprintf(" at epoch %s", format(ctx$history[[length(ctx$history)]]$epoch)) else ""
      from <- if (is.null(ctx$last_checkpoint)) "" else " from its last checkpoint"
      c("interrupted", .sv_shell$value_json(value, fun, extras, task$metric),
        sprintf("interrupted%s: the supervisor asked the task to stop; it can resume%s", at, from))
    } else {
      c("ok", .sv_shell$value_json(value, fun, extras, task$metric), "")
    }
  }, error = function(e) {
    setTimeLimit(elapsed = Inf)
    extras <- tryCatch(.sv_shell$json(.sv_shell$extras(ctx)), error = function(e) "{}")
    # A timeout's call is wherever R happened to check the limit: not worth showing.
    if (late()) c("timeout", extras, paste0("R: ", conditionMessage(e))) else c("error", extras, .sv_shell$error_text(e))
  })
}
