# `optimizer: {name: emews, language: r, module: algo.R}`: an unchanged EMEWS EQ/R algorithm. Its script is
# sourced with OUT_put(string) / IN_get() bound to this adapter, which plays the part Swift/T plays in EMEWS
# (mirrors eq_py/eqpy/emews.py). What the algorithm puts out is read as:
#   "Params" / "Settings"   answered (by its next IN_get) with optimizer.settings, a string verbatim;
#   "DONE" / "FINAL"        the search is over; later messages become `final` events; done once it returns;
#   "EQR_ABORT"             its next message is R's error text, sent as abort;
#   anything else           a batch of points, JSON objects joined by ";" (or a JSON list; a JSON array is
#                           read positionally against the space). Its next IN_get returns their objective
#                           values joined by ";" in the same order (minimization sense; "NaN" for a failure).
# R runs single-threaded here, so the conversation is driven from inside OUT_put/IN_get. When the engine
# sends stop while a batch is out, done is sent and the algorithm is unwound (a condition of class
# "sv_stop", which its own tryCatch(error = ) does not catch).

sv_emews_run <- function(cfg, exchange, scorer) {
  o <- cfg$optimizer
  script <- sv_emews_find(o$module, unlist(o$path))
  st <- new.env()
  st$answers <- character(0)
  st$wanted <- integer(0)
  st$final <- FALSE
  st$abort_next <- FALSE
  st$best <- NULL; st$best_value <- Inf
  space_names <- if (length(cfg$space)) vapply(cfg$space, function(p) as.character(p$name), "") else character(0)

  stop_algorithm <- function() stop(structure(class = c("sv_stop", "condition"),
                                              list(message = "the search is over", call = NULL)))
  settings <- function() {
    s <- o$settings
    if (is.null(s)) stop("optimizer.settings: the EMEWS algorithm asked for its Params/Settings, but none are configured",
                         call. = FALSE)
    if (is.character(s)) s else sv_json(s)
  }
  OUT_put <- function(string) {
    text <- trimws(paste(as.character(string), collapse = ""))
    if (st$abort_next) {
      exchange$abort(text)
      stop_algorithm()
    }
    if (text == "EQR_ABORT") { st$abort_next <- TRUE; return(invisible(NULL)) }
    if (st$final) { exchange$event("final", text); return(invisible(NULL)) }
    if (text %in% c("Params", "Settings")) { st$answers <- c(st$answers, settings()); return(invisible(NULL)) }
    if (text %in% c("DONE", "FINAL")) { st$final <- TRUE; return(invisible(NULL)) }
    st$wanted <- c(st$wanted, exchange$submit(sv_emews_points(text, space_names)))
    invisible(NULL)
  }
  IN_get <- function() {
    if (length(st$answers)) {
      a <- st$answers[1]; st$answers <- st$answers[-1]
      return(a)
    }
    if (!length(st$wanted))
      stop("emews: the algorithm called IN_get() with nothing to wait for (no Params request or points out)",
           call. = FALSE)
    got <- list()
    while (length(setdiff(st$wanted, as.integer(names(got))))) {
      d <- exchange$next_result()
      if (is.null(d)) {
        sv_emews_done(exchange, st)
        stop_algorithm()
      }
      vals <- scorer$raw(d$result)
      value <- if (is.null(vals)) NA_real_ else { scorer$lo <- pmin(scorer$lo, vals); scorer$hi <- pmax(scorer$hi, vals)
                                                   scorer$scalar(vals) }
      if (is.finite(value) && value < st$best_value) {
        st$best_value <- value
        st$best <- list(params = d$params, objective = scorer$signs[1] * value)
      }
      if (!is.null(d$seq) && d$seq %in% st$wanted) got[[as.character(d$seq)]] <- value
    }
    out <- paste(vapply(st$wanted, function(k) {
      v <- got[[as.character(k)]]
      if (is.na(v)) "NaN" else format(v, digits = 17)
    }, ""), collapse = ";")
    st$wanted <- integer(0)
    out
  }
  env <- new.env(parent = globalenv())
  env$OUT_put <- OUT_put
  env$IN_get <- IN_get
  finished <- tryCatch({
    sys.source(script, envir = env, keep.source = FALSE)
    TRUE
  }, sv_stop = function(e) FALSE)
  if (finished) sv_emews_done(exchange, st)
  invisible(NULL)
}

sv_emews_done <- function(exchange, st) exchange$done(st$best, NULL)

sv_emews_find <- function(module, path) {
  if (is.null(module) || !nzchar(module)) stop("optimizer.module: the EMEWS R algorithm's script is required", call. = FALSE)
  if (grepl("^/", module)) cands <- module
  else cands <- c(file.path(path, module), if (!grepl("\\.R$", module)) file.path(path, paste0(module, ".R")), module)
  for (f in cands) if (file.exists(f)) return(normalizePath(f))
  stop(sprintf("optimizer.module: R script %s not found (looked in: %s)", module,
               paste(c(path, "."), collapse = ", ")), call. = FALSE)
}

sv_emews_points <- function(text, space_names) {
  items <- tryCatch({
    whole <- sv_parse(text)
    if (is.list(whole) && is.null(names(whole)) && length(whole) && all(vapply(whole, function(x) is.list(x) && !is.null(names(x)), TRUE))) whole else NULL
  }, error = function(e) NULL)
  if (is.null(items)) items <- tryCatch({
    parts <- trimws(strsplit(text, ";", fixed = TRUE)[[1]])
    lapply(parts[nzchar(parts)], sv_parse)
  }, error = function(e) NULL)
  if (!length(items)) items <- list(NULL)
  lapply(items, function(item) {
    if (is.list(item) && !is.null(names(item))) return(item)
    if (is.list(item) && length(space_names) && length(item) == length(space_names)) return(setNames(item, space_names))
    stop(sprintf("emews: the algorithm sent a message that is none of Params, Settings, DONE, FINAL or ';'-joined JSON objects: %s",
                 substr(text, 1, 300)), call. = FALSE)
  })
}
