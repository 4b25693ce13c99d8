# The optimizer's side of PROTOCOL.md in R: the bridge to the C++ queues, the exchange (replay, proposal
# numbers, resend), the scorer (objective sense, weighted secondary objectives, failure policy) and the
# driver (streaming and batch), mirroring eq_py/eqpy/{bridge,exchange,objectives,driver}.py.

sv_json <- function(x) as.character(jsonlite::toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null"))
sv_parse <- function(text) jsonlite::fromJSON(text, simplifyVector = FALSE)

# ---- bridge: inside the supervisor .sv_out_put/.sv_in_get exist (r_optimizer.cpp); else a fake engine
sv_bridge <- new.env()
sv_bridge_reset <- function(send = NULL, receive = NULL, try_receive = NULL) {
  sv_bridge$send <- send
  sv_bridge$receive <- receive
  sv_bridge$try_receive <- try_receive
}
sv_send_text <- function(text) {
  if (!is.null(sv_bridge$send)) return(invisible(sv_bridge$send(text)))
  get(".sv_out_put", envir = globalenv())(text)
  invisible(NULL)
}
sv_receive_text <- function() {
  if (!is.null(sv_bridge$receive)) return(sv_bridge$receive())
  get(".sv_in_get", envir = globalenv())()
}
# The next message if one is already queued, else NULL (never waits). A fake engine without try_receive
# has nothing queued, so a test driver sees one result at a time.
sv_try_receive_text <- function() {
  if (!is.null(sv_bridge$send) || !is.null(sv_bridge$receive)) {
    if (is.null(sv_bridge$try_receive)) return(NULL)
    text <- sv_bridge$try_receive()
  } else {
    f <- get0(".sv_in_try_get", envir = globalenv(), inherits = FALSE)
    if (is.null(f)) return(NULL)
    text <- f()
  }
  if (is.null(text) || !nzchar(text)) NULL else text
}
sv_send <- function(message) sv_send_text(sv_json(message))
sv_receive <- function() {
  m <- tryCatch(sv_parse(sv_receive_text()), error = function(e) list(type = "unreadable"))
  if (identical(m$type, "closed")) list(type = "stop", reason = "closed") else m
}

# ---- exchange ---------------------------------------------------------------------------------------
sv_exchange <- function(replay = list()) {
  ex <- new.env()
  ex$replay <- replay
  ex$live <- length(replay) == 0
  ex$seq <- 0L
  ex$outstanding <- list()   # names: seq; values: params
  ex$stopped <- NULL
  ex$finished <- FALSE

  ex$submit <- function(points) {
    seqs <- integer(0); out <- list()
    for (p in points) {
      ex$seq <- ex$seq + 1L
      ex$outstanding[[as.character(ex$seq)]] <- p
      seqs <- c(seqs, ex$seq)
      out[[length(out) + 1]] <- list(params = p, tag = list(seq = ex$seq))
    }
    if (length(out) && ex$live) sv_send(list(type = "points", points = out))
    seqs
  }
  # The next result as list(seq, params, result, replayed), or NULL once the engine sent stop.
  ex$next_result <- function() {
    if (!is.null(ex$stopped)) return(NULL)
    if (!ex$live) {
      if (length(ex$replay)) {
        m <- ex$replay[[1]]
        ex$replay <- ex$replay[-1]
        return(ex$match(m, TRUE))
      }
      ex$live <- TRUE
      if (length(ex$outstanding)) {
        ks <- sort(as.integer(names(ex$outstanding)))
        sv_send(list(type = "points", resend = TRUE,
                     points = lapply(ks, function(k) list(params = ex$outstanding[[as.character(k)]],
                                                          tag = list(seq = k)))))
      }
    }
    repeat {
      m <- sv_receive()
      if (identical(m$type, "result")) return(ex$match(m, FALSE))
      if (identical(m$type, "stop")) {
        ex$stopped <- if (is.null(m$reason)) "stop" else m$reason
        return(NULL)
      }
    }
  }
  # The results already waiting (live only, never blocks), as a list of what next_result returns; a stop
  # among them ends the list and makes the next next_result() NULL.
  ex$waiting_results <- function() {
    out <- list()
    while (ex$live && is.null(ex$stopped)) {
      text <- sv_try_receive_text()
      if (is.null(text)) break
      m <- tryCatch(sv_parse(text), error = function(e) list(type = "unreadable"))
      if (identical(m$type, "result")) out[[length(out) + 1]] <- ex$match(m, FALSE)
      else if (identical(m$type, "stop") || identical(m$type, "closed"))
        ex$stopped <- if (identical(m$type, "closed")) "closed" else if (is.null(m$reason)) "stop" else m$reason
    }
    out
  }
  # TRUE while results of the interrupted run remain to be replayed.
  ex$replaying <- function() !ex$live && length(ex$replay) > 0
  ex$event <- function(kind, message, replayed = FALSE) {
    if (!replayed) sv_send(list(type = "event", kind = kind,
                                message = if (is.character(message)) message else sv_json(message)))
  }
  ex$done <- function(best = NULL, pareto = NULL) {
    if (!ex$finished) {
      ex$finished <- TRUE
      sv_send(list(type = "done", best = best, pareto = pareto))
    }
  }
  ex$abort <- function(text) {
    if (!ex$finished) {
      ex$finished <- TRUE
      sv_send(list(type = "abort", message = text))
    }
  }
  ex$match <- function(m, replayed) {
    params <- m$params
    seq <- if (is.list(m$tag)) m$tag$seq else NULL
    key <- if (is.null(seq)) "" else as.character(seq)
    if (nzchar(key) && !is.null(ex$outstanding[[key]]) && sv_agrees(ex$outstanding[[key]], params)) {
      p <- ex$outstanding[[key]]; ex$outstanding[[key]] <- NULL
      return(list(seq = as.integer(seq), params = p, result = m, replayed = replayed))
    }
    if (is.list(params)) for (k in names(ex$outstanding)) if (sv_agrees(ex$outstanding[[k]], params)) {
      p <- ex$outstanding[[k]]; ex$outstanding[[k]] <- NULL
      return(list(seq = as.integer(k), params = p, result = m, replayed = replayed))
    }
    list(seq = NULL, params = if (is.list(params)) params else list(), result = m, replayed = replayed)
  }
  ex
}

# The engine may add keys (model defaults) but must not change the ones we sent.
sv_agrees <- function(mine, theirs) {
  if (is.null(theirs)) return(TRUE)
  if (!is.list(theirs)) return(FALSE)
  all(vapply(names(mine), function(n) !is.null(theirs[[n]]) && sv_same_value(mine[[n]], theirs[[n]]), TRUE))
}
sv_same_value <- function(a, b) {
  if (is.numeric(a) && is.numeric(b) && length(a) == 1 && length(b) == 1)
    return(isTRUE(abs(a - b) <= 1e-12 * max(1, abs(a))))
  identical(sv_canon(a), sv_canon(b))
}

# ---- scorer: one scalar to minimize per result ---------------------------------------------------
sv_scorer <- function(objectives, multi = NULL, on_failure = "penalize") {
  sc <- new.env()
  sc$metrics <- vapply(objectives, function(o) as.character(o$metric), "")
  sc$signs <- vapply(objectives, function(o) if (identical(o$goal, "maximize")) -1 else 1, 0)
  sc$mode <- if (is.null(multi)) "weighted" else as.character(multi$mode)
  sc$alpha <- if (is.null(multi) || is.null(multi$alpha)) 0.1 else as.numeric(unlist(multi$alpha))
  sc$on_failure <- on_failure
  sc$lo <- rep(Inf, length(sc$metrics)); sc$hi <- rep(-Inf, length(sc$metrics))
  # The values in minimization sense, or NULL for a failure.
  sc$raw <- function(result) {
    if (identical(result$ok, FALSE)) return(NULL)
    vals <- numeric(0)
    for (i in seq_along(sc$metrics)) {
      v <- result$objectives[[sc$metrics[i]]]
      if (is.null(v) && i == 1) v <- result$objective
      if (!is.numeric(v) || !is.finite(v)) return(NULL)
      vals <- c(vals, sc$signs[i] * v)
    }
    vals
  }
  sc$scalar <- function(vals) {
    f <- vals[1]
    if (length(vals) > 1) for (k in 2:length(vals)) {
      span <- sc$hi[k] - sc$lo[k]
      m <- if (is.finite(span) && span > 0) (vals[k] - sc$lo[k]) / span else 0
      f <- f + sc$alpha[min(k - 1, length(sc$alpha))] * m
    }
    f
  }
  # list(value, ok) for the optimizer (minimization sense).
  sc$feedback <- function(result) {
    vals <- sc$raw(result)
    if (is.null(vals)) return(list(value = NA_real_, ok = FALSE))
    sc$lo <- pmin(sc$lo, vals); sc$hi <- pmax(sc$hi, vals)
    list(value = sc$scalar(vals), ok = TRUE)
  }
  sc
}

# ---- driver ----------------------------------------------------------------------------------------
# Streaming (batch 0): as in eq_py's driver, `workers` points in flight (plus `ahead` queued at the engine,
# so that a freed worker starts its next evaluation without waiting for R), refilled after results arrive
# until max_evals are proposed. Unlike there, every result that arrived while R was fitting is learnt
# before the next ask, and the free slots are filled with ONE ask (one surrogate fit, a qLCB batch): R's
# proposal cost is then paid per refill, not per result. Which results were learnt together depends on
# timing, so each ask's position (the number of results learnt before it) is appended to `ask_log`; a
# resumed run replays its results with the asks at those positions, reproduces the same proposals, and
# goes on with the same numbering (without a log it asks after every replayed result).
sv_driver_run <- function(optimizer, exchange, scorer, workers = 1, batch = 0, max_evals = NULL, ahead = 0L,
                          ask_log = "") {
  st <- new.env()
  st$proposed <- 0L
  st$in_flight <- integer(0)
  st$best <- NULL          # list(params, objective) in the user's sense
  st$best_value <- Inf
  st$evaluations <- 0L
  propose <- function(n) {
    if (!is.null(max_evals) && max_evals > 0) n <- min(n, max_evals - st$proposed)
    if (n <= 0) return(0L)
    pts <- optimizer$ask(n)
    st$in_flight <- c(st$in_flight, exchange$submit(pts))
    st$proposed <- st$proposed + length(pts)
    length(pts)
  }
  learn <- function(d, replayed = d$replayed) {
    st$evaluations <- st$evaluations + 1L
    fb <- scorer$feedback(d$result)
    params <- d$params
    if (is.null(d$seq)) {
      names_ <- sv_space_names(optimizer$space)
      if (!all(names_ %in% names(params))) return(invisible())
      params <- params[names_]
      if (!sv_contains(optimizer$space, params)) return(invisible())
    }
    if (!fb$ok && identical(scorer$on_failure, "ignore")) return(invisible())
    optimizer$tell(params, fb$value, fb$ok)
    if (fb$ok && fb$value < st$best_value) {
      st$best_value <- fb$value
      st$best <- list(params = params, objective = scorer$signs[1] * fb$value)
      exchange$event("best", list(id = d$result$id, params = params, objective = scorer$signs[1] * fb$value,
                                  evaluations = st$evaluations), replayed = replayed)
    }
  }
  workers <- max(1L, as.integer(workers))
  if (batch > 0) {
    repeat {
      propose(batch)
      if (!length(st$in_flight)) break
      arrived <- list(); last <- NULL; stopped <- FALSE
      while (length(st$in_flight)) {
        d <- exchange$next_result()
        if (is.null(d)) { stopped <- TRUE; break }
        last <- d
        if (!is.null(d$seq) && d$seq %in% st$in_flight) {
          st$in_flight <- setdiff(st$in_flight, d$seq)
          arrived[[as.character(d$seq)]] <- d
        } else learn(d)
      }
      if (stopped) break
      for (k in sort(as.integer(names(arrived)))) learn(arrived[[as.character(k)]], replayed = last$replayed)
    }
  } else {
    target <- workers + max(0L, as.integer(ahead))
    log <- sv_ask_log(ask_log, exchange$replaying())
    ask <- function() {
      n <- target - length(st$in_flight)
      if (!is.null(max_evals) && max_evals > 0) n <- min(n, max_evals - st$proposed)
      if (n <= 0 || !is.null(exchange$stopped)) return(invisible())
      log$record(st$evaluations, written = !exchange$replaying())
      propose(n)
    }
    step <- function() {
      if (exchange$replaying() && !is.null(log$past)) { if (log$due(st$evaluations)) ask() }
      else ask()
    }
    step()
    while (length(st$in_flight)) {
      d <- exchange$next_result()
      if (is.null(d)) break
      group <- c(list(d), exchange$waiting_results())
      for (g in group) {
        st$in_flight <- setdiff(st$in_flight, g$seq)
        learn(g)
      }
      step()
    }
  }
  exchange$event("log", list(optimizer = optimizer$state(), proposed = st$proposed,
                             stopped = exchange$stopped))
  exchange$done(st$best, NULL)
  invisible(st)
}

# Where a streaming run asked (see sv_driver_run): `past` holds the interrupted run's positions while its
# results are replayed (NULL without a log file); `record` keeps each ask and, once the replay is over,
# writes the file: first whole (the replayed prefix, dropping positions the store never saw), then by
# appending. path "" keeps nothing.
sv_ask_log <- function(path, replaying) {
  lg <- new.env()
  lg$path <- if (is.null(path)) "" else as.character(path)
  lg$past <- NULL
  if (replaying && nzchar(lg$path) && file.exists(lg$path))
    lg$past <- suppressWarnings(as.integer(readLines(lg$path, warn = FALSE)))
  if (!is.null(lg$past)) lg$past <- lg$past[!is.na(lg$past)]
  lg$used <- integer(0)
  lg$synced <- FALSE
  lg$due <- function(evaluations) {
    lg$past <- lg$past[lg$past >= evaluations]
    if (length(lg$past) && lg$past[1] == evaluations) { lg$past <- lg$past[-1]; TRUE } else FALSE
  }
  lg$record <- function(evaluations, written) {
    lg$used <- c(lg$used, as.integer(evaluations))
    if (!written || !nzchar(lg$path)) return(invisible())
    ok <- tryCatch({
      if (lg$synced) cat(evaluations, "\n", sep = "", file = lg$path, append = TRUE)
      else writeLines(as.character(lg$used), lg$path)
      TRUE
    }, error = function(e) FALSE, warning = function(w) FALSE)
    if (ok) lg$synced <- TRUE else lg$path <- ""
    invisible()
  }
  lg
}
