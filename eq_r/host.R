# What r_optimizer.cpp calls on the optimizer's thread: main(config_json). It builds the optimizer named in
# the config (mbo, random, or an EMEWS script with name emews), replays a restarted run's results, drives the
# search and returns after sending done. It never raises: a bad config or an R error ends in an abort
# message carrying R's message (and the call stack), so the campaign stops and shows why.
# Outside the supervisor (tests) sv_bridge_reset(send, receive) plugs in a fake engine.
# Sourced with source(file, local = env) and sv_eq_r_root set to the eq_r folder; its pieces land in env.
for (sv_f in c("space.R", "mbo.R", "protocol.R", "emews.R"))
  sys.source(file.path(sv_eq_r_root, "R", sv_f), envir = environment())
rm(sv_f)

main <- function(config_json) {
  trace <- NULL
  tryCatch(
    withCallingHandlers({
      suppressPackageStartupMessages({ loadNamespace("jsonlite"); loadNamespace("ranger"); loadNamespace("lhs") })
      cfg <- sv_parse(config_json)
      sv_host_run(cfg)
    }, error = function(e) {
      calls <- sys.calls()
      trace <<- paste(utils::tail(vapply(calls, function(c) paste(deparse(c, nlines = 1), collapse = ""), ""), 12),
                      collapse = "\n")
    }),
    sv_stop = function(e) NULL,
    error = function(e) {
      msg <- paste0("R error: ", conditionMessage(e))
      if (!is.null(conditionCall(e))) msg <- paste0(msg, "\n  in ", paste(deparse(conditionCall(e), nlines = 2), collapse = " "))
      if (!is.null(trace)) msg <- paste0(msg, "\n\nR call stack (innermost last):\n", trace)
      try(sv_send(list(type = "abort", message = msg)), silent = TRUE)
    })
  invisible(NULL)
}

sv_host_run <- function(cfg) {
  o <- cfg$optimizer
  name <- as.character(o$name)
  replay <- if (is.null(cfg$replay)) list() else cfg$replay
  exchange <- sv_exchange(replay)
  scorer <- sv_scorer(cfg$objectives, cfg$multi, if (is.null(o$on_failure)) "penalize" else o$on_failure)
  if (length(cfg$objectives) > 1 && identical(scorer$mode, "pareto") && name != "emews")
    stop(sprintf("multi.mode: pareto is not available with the R optimizer %s (use weighted, or nsga2 in Python)", name),
         call. = FALSE)
  if (name == "emews") return(sv_emews_run(cfg, exchange, scorer))
  options <- if (is.null(o$options) || !length(o$options)) list() else o$options
  options$hang_timeout <- NULL  # read by the C++ watchdog
  space <- sv_space(cfg$space)
  batch <- if (is.null(o$batch)) 0L else as.integer(o$batch)
  optimizer <- sv_make_optimizer(name, space, seed = if (is.null(o$seed)) 0 else o$seed, options = options, batch = batch)
  workers <- if (is.null(cfg$workers)) 1L else as.integer(cfg$workers)
  max_evals <- if (is.null(o$max_evals)) 0L else as.integer(o$max_evals)
  ahead <- if (name == "mbo") optimizer$options$queue_ahead else 0L
  if (is.null(ahead)) ahead <- workers %/% 8L
  # The supervisor names the file (core/run_dir.hpp); "" when none is wanted.
  ask_log <- if (is.character(cfg$ask_log)) cfg$ask_log else ""
  sv_driver_run(optimizer, exchange, scorer, workers = workers, batch = batch, max_evals = max_evals,
                ahead = ahead, ask_log = ask_log)
}
