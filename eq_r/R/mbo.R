# mbo: model-based optimization as CANDLE configures mlrMBO, on ranger and lhs.
#   initial design  Latin hypercube of `init_design` points (default max(9, batch))
#   surrogate       random forest (ranger; `num_trees` 200 with batches, 100 when streaming) with an
#                   uncertainty estimate: option `se_method`, "bootstrap" (the default: the spread of the
#                   bootstrapped trees' predictions) or "infjack" (ranger's infinitesimal jackknife,
#                   keep.inbag; ~5x slower to propose)
#   infill          confidence bound mu - lambda * se, minimized; multi-point proposals by qLCB: each point
#                   of a batch has its own lambda ~ Exp(rate = 1 / cb_lambda)
#   optimizer       focus search: `focus_points` random candidates, keep the best, shrink the box around it
#                   (and drop one categorical level) and draw `focus_local` candidates in it (default:
#                   focus_points with batches, focus_points / 2 when streaming), `focus_maxit`
#                   rounds, `focus_restarts` restarts; the k searches of one ask share one fit, the first
#                   round's candidates, and one predict() per round
#   failures        imputed as a bad value: worst seen + impute_margin * range (or `impute_value`)
# Deterministic given the seed and the order and sizes of ask/tell calls (replay relies on it).
# `queue_ahead` is read by the streaming driver (protocol.R), not here.
# Every optimizer minimizes; the caller negates maximized objectives.

sv_mbo_defaults <- list(init_design = NULL, num_trees = NULL, se_method = "bootstrap", cb_lambda = 1,
                        focus_points = 1000L, focus_local = NULL, focus_maxit = 5L, focus_restarts = 1L, impute_margin = 0.1,
                        impute_value = NULL, threads = 1L, hang_timeout = NULL, queue_ahead = NULL)

sv_mbo <- function(space, seed = 0, options = list(), batch = 0) {
  unknown <- setdiff(names(options), names(sv_mbo_defaults))
  if (length(unknown)) stop(sprintf("optimizer.options: unknown option %s for mbo (known: %s)",
                                    unknown[1], paste(names(sv_mbo_defaults), collapse = ", ")), call. = FALSE)
  o <- modifyList(sv_mbo_defaults, options)
  if (is.null(o$init_design)) o$init_design <- max(9L, as.integer(batch))
  # Streaming asks for a point or a few at a time and must keep up with the workers: a lighter forest and
  # lighter focus-search rounds there (Hartmann-6, 30 seeds, one point per ask: as good as 200 trees and
  # full rounds, for a quarter of the predictions' cost).
  if (is.null(o$num_trees)) o$num_trees <- if (batch > 0) 200L else 100L
  if (is.null(o$focus_local)) o$focus_local <- if (batch > 0) o$focus_points else max(50L, as.integer(o$focus_points) %/% 2L)
  if (!o$se_method %in% c("infjack", "bootstrap")) stop("optimizer.options.se_method: infjack or bootstrap", call. = FALSE)
  if (!is.null(o$queue_ahead) && !(is.numeric(o$queue_ahead) && length(o$queue_ahead) == 1 && o$queue_ahead >= 0))
    stop("optimizer.options.queue_ahead: expected an integer >= 0", call. = FALSE)
  self <- new.env()
  self$name <- "mbo"
  self$space <- space
  self$options <- o
  self$rng <- sv_rng_new(seed)
  self$design <- sv_with_rng(self$rng, sv_from_unit(space, lhs::randomLHS(as.integer(o$init_design), length(space))))
  self$design_used <- 0L
  self$X <- NULL          # data.frame of observed points (encoded)
  self$y <- numeric(0)    # NA for failures (imputed at fit time)
  self$fits <- 0L

  self$ask <- function(n) {
    out <- list()
    while (length(out) < n && self$design_used < nrow(self$design)) {
      self$design_used <- self$design_used + 1L
      out[[length(out) + 1]] <- sv_decode(space, self$design[self$design_used, , drop = FALSE])
    }
    if (length(out) < n) {
      k <- n - length(out)
      rows <- sv_with_rng(self$rng, sv_mbo_propose(self, k))
      for (i in seq_len(nrow(rows))) out[[length(out) + 1]] <- sv_decode(space, rows[i, , drop = FALSE])
    }
    out
  }

  self$tell <- function(params, value, ok) {
    row <- sv_encode(space, params)
    if (is.null(row)) return(invisible(FALSE))
    self$X <- if (is.null(self$X)) row else rbind(self$X, row)
    self$y <- c(self$y, if (isTRUE(ok) && is.numeric(value) && is.finite(value)) value else NA_real_)
    invisible(TRUE)
  }

  self$state <- function() list(observed = length(self$y), failed = sum(is.na(self$y)), fits = self$fits,
                                design_used = self$design_used)
  self
}

# Imputed targets: failures become a bad value.
sv_mbo_targets <- function(self) {
  y <- self$y
  bad <- is.na(y)
  if (any(bad)) {
    good <- y[!bad]
    imp <- if (!is.null(self$options$impute_value)) as.numeric(self$options$impute_value)
           else if (length(good) == 0) 1
           else max(good) + self$options$impute_margin * max(diff(range(good)), abs(max(good)), 1e-12)
    y[bad] <- imp
  }
  y
}

sv_mbo_fit <- function(self) {
  y <- sv_mbo_targets(self)
  data <- self$X
  data$.y <- y
  self$fits <- self$fits + 1L
  ranger::ranger(.y ~ ., data = data, num.trees = as.integer(self$options$num_trees),
                 keep.inbag = self$options$se_method == "infjack", min.node.size = 1L,
                 respect.unordered.factors = "order", num.threads = as.integer(self$options$threads),
                 seed = sample.int(.Machine$integer.max, 1))
}

# Mean and standard error of the surrogate at the candidate rows.
sv_mbo_predict <- function(self, fit, cand) {
  if (self$options$se_method == "infjack") {
    p <- suppressWarnings(predict(fit, cand, type = "se", se.method = "infjack",
                                  num.threads = as.integer(self$options$threads)))
    mu <- p$predictions
    se <- p$se
    if (all(is.finite(se))) return(list(mu = mu, se = pmax(se, 0)))
  }
  P <- predict(fit, cand, predict.all = TRUE, num.threads = as.integer(self$options$threads))$predictions
  mu <- rowMeans(P)
  list(mu = mu, se = sqrt(pmax(0, rowSums((P - mu)^2) / max(1, ncol(P) - 1))))
}

sv_mbo_propose <- function(self, k) {
  space <- self$space
  if (is.null(self$X) || nrow(self$X) < 2 || length(unique(sv_mbo_targets(self))) < 2) {
    # nothing to learn from yet: random points
    return(sv_from_unit(space, matrix(runif(k * length(space)), nrow = k)))
  }
  fit <- sv_mbo_fit(self)
  lambdas <- rexp(k, rate = 1 / self$options$cb_lambda)
  sv_focus_search(self, function(cand) sv_mbo_predict(self, fit, cand), lambdas)
}

# Focus search (mlrMBO's infill optimizer), for the k confidence bounds mu - lambda[i] * se at once (qLCB):
# `focus_points` random candidates, keep the best, shrink the box around it (and drop one categorical
# level), `focus_maxit` rounds, `focus_restarts` restarts; one row per lambda. mu and se do not depend on
# lambda, so each round predicts every search's candidates in one call, and the first round's candidates
# (the whole space) are shared by all k searches. A point another search of the batch already chose is
# replaced by the search's best of its own last round, so a batch has no duplicates where the space allows.
sv_focus_search <- function(self, predict_fn, lambdas) {
  space <- self$space
  o <- self$options
  d <- length(space)
  k <- length(lambdas)
  n <- max(1L, as.integer(o$focus_points))
  n_local <- max(1L, as.integer(o$focus_local))
  cats <- which(vapply(space, function(p) p$type == "categorical", TRUE))
  best_rows <- vector("list", k); best_vals <- rep(Inf, k)
  last_rows <- vector("list", k)
  draw <- function(lo, hi, left, m) {
    u <- matrix(runif(m * d), nrow = m)
    u <- sweep(sweep(u, 2, hi - lo, "*"), 2, lo, "+")
    cand <- sv_from_unit(space, u)
    for (j in cats) {
      pick <- left[[j]][sample.int(length(left[[j]]), m, replace = TRUE)]
      cand[[j]] <- factor(as.character(pick), levels = levels(cand[[j]]))
    }
    cand
  }
  all_levels <- lapply(space, function(p) if (p$type == "categorical") seq_along(p$values) else NULL)
  for (restart in seq_len(max(1L, as.integer(o$focus_restarts)))) {
    lo <- matrix(0, k, d); hi <- matrix(1, k, d)
    left <- rep(list(all_levels), k)
    for (it in seq_len(max(1L, as.integer(o$focus_maxit)))) {
      if (it == 1) {
        cand <- draw(rep(0, d), rep(1, d), all_levels, n)
        owner <- NULL
      } else {
        cand <- do.call(rbind, lapply(seq_len(k), function(i) draw(lo[i, ], hi[i, ], left[[i]], n_local)))
        owner <- rep(seq_len(k), each = n_local)
      }
      p <- predict_fn(cand)
      for (i in seq_len(k)) {
        rows <- if (is.null(owner)) seq_len(nrow(cand)) else which(owner == i)
        vals <- p$mu[rows] - lambdas[i] * p$se[rows]
        w <- which.min(vals)
        if (!length(w)) next
        centre <- cand[rows[w], , drop = FALSE]
        if (!is.null(owner)) last_rows[[i]] <- centre
        if (vals[w] < best_vals[i]) { best_vals[i] <- vals[w]; best_rows[[i]] <- centre }
        for (j in seq_len(d)) {
          if (space[[j]]$type == "categorical") {
            keep <- as.integer(as.character(centre[[j]]))
            others <- setdiff(left[[i]][[j]], keep)
            if (length(others)) left[[i]][[j]] <- setdiff(left[[i]][[j]], others[sample.int(length(others), 1)])
          } else {
            c <- as.numeric(centre[[j]])
            w2 <- (hi[i, j] - lo[i, j]) / 4
            lo[i, j] <- max(0, c - w2); hi[i, j] <- min(1, c + w2)
          }
        }
      }
    }
  }
  key <- function(row) paste(vapply(row, function(v) as.character(v), ""), collapse = "\r")
  chosen <- character(0)
  out <- vector("list", k)
  for (i in seq_len(k)) {
    row <- best_rows[[i]]
    if (key(row) %in% chosen && !is.null(last_rows[[i]]) && !(key(last_rows[[i]]) %in% chosen)) row <- last_rows[[i]]
    chosen <- c(chosen, key(row))
    out[[i]] <- row
  }
  out <- do.call(rbind, out)
  rownames(out) <- NULL
  out
}

# random: uniform points (log-uniform for log parameters), the baseline.
sv_random <- function(space, seed = 0, options = list(), batch = 0) {
  self <- new.env()
  self$name <- "random"
  self$space <- space
  self$rng <- sv_rng_new(seed)
  self$told <- 0L
  self$ask <- function(n) {
    rows <- sv_with_rng(self$rng, sv_from_unit(space, matrix(runif(n * length(space)), nrow = n)))
    lapply(seq_len(n), function(i) sv_decode(space, rows[i, , drop = FALSE]))
  }
  self$tell <- function(params, value, ok) { self$told <- self$told + 1L; invisible(TRUE) }
  self$state <- function() list(observed = self$told)
  self
}

sv_make_optimizer <- function(name, space, seed = 0, options = list(), batch = 0) {
  switch(name,
         mbo = sv_mbo(space, seed, options, batch),
         random = { options$hang_timeout <- NULL
                    if (length(options)) stop("optimizer.options: random takes no options", call. = FALSE)
                    sv_random(space, seed, options, batch) },
         stop(sprintf("optimizer.name: %s is not an R optimizer (mbo, random, emews)", name), call. = FALSE))
}

# A private random stream per optimizer, so that nothing else drawing random numbers in this R changes
# its proposals (and its proposals change nothing else).
sv_rng_new <- function(seed) {
  rng <- new.env()
  old <- if (exists(".Random.seed", envir = globalenv())) get(".Random.seed", envir = globalenv()) else NULL
  RNGkind("Mersenne-Twister", "Inversion", "Rejection")
  set.seed(as.integer(seed %% .Machine$integer.max))
  rng$state <- get(".Random.seed", envir = globalenv())
  if (is.null(old)) rm(".Random.seed", envir = globalenv()) else assign(".Random.seed", old, envir = globalenv())
  rng
}

sv_with_rng <- function(rng, expr) {
  old <- if (exists(".Random.seed", envir = globalenv())) get(".Random.seed", envir = globalenv()) else NULL
  assign(".Random.seed", rng$state, envir = globalenv())
  on.exit({
    rng$state <- get(".Random.seed", envir = globalenv())
    if (is.null(old)) rm(".Random.seed", envir = globalenv()) else assign(".Random.seed", old, envir = globalenv())
  })
  expr
}
