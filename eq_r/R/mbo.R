# mbo: model-based optimization as CANDLE configures mlrMBO, on ranger and lhs.
#   initial design  Latin hypercube of `init_design` points (default max(9, batch))
#   surrogate       random forest (ranger) with an uncertainty estimate: option `se_method`, "bootstrap" (the
#                   default: the spread of the bootstrapped trees' predictions) or "infjack" (ranger's
#                   infinitesimal jackknife, keep.inbag; ~5x slower to propose)
#   infill          confidence bound mu - lambda * se, minimized; multi-point proposals by qLCB: each point
#                   of a batch has its own lambda ~ Exp(rate = 1 / cb_lambda)
#   optimizer       focus search: `focus_points` random candidates, keep the best, shrink the box around it
#                   (and drop one categorical level) `focus_maxit` times, `focus_restarts` restarts
#   failures        imputed as a bad value: worst seen + impute_margin * range (or `impute_value`)
# Deterministic given the seed and the order of ask/tell calls (replay relies on it).
# Every optimizer minimizes; the caller negates maximized objectives.

sv_mbo_defaults <- list(init_design = NULL, num_trees = 200L, se_method = "bootstrap", cb_lambda = 1,
                        focus_points = 1000L, focus_maxit = 5L, focus_restarts = 1L, impute_margin = 0.1,
                        impute_value = NULL, threads = 1L, hang_timeout = NULL)

sv_mbo <- function(space, seed = 0, options = list(), batch = 0) {
  unknown <- setdiff(names(options), names(sv_mbo_defaults))
  if (length(unknown)) stop(sprintf("optimizer.options: unknown option %s for mbo (known: %s)",
                                    unknown[1], paste(names(sv_mbo_defaults), collapse = ", ")), call. = FALSE)
  o <- modifyList(sv_mbo_defaults, options)
  if (is.null(o$init_design)) o$init_design <- max(9L, as.integer(batch))
  if (!o$se_method %in% c("infjack", "bootstrap")) stop("optimizer.options.se_method: infjack or bootstrap", call. = FALSE)
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
  p <- predict(fit, cand, predict.all = TRUE, num.threads = as.integer(self$options$threads))
  list(mu = rowMeans(p$predictions), se = apply(p$predictions, 1, sd))
}

sv_mbo_propose <- function(self, k) {
  space <- self$space
  if (is.null(self$X) || nrow(self$X) < 2 || length(unique(sv_mbo_targets(self))) < 2) {
    # nothing to learn from yet: random points
    return(sv_from_unit(space, matrix(runif(k * length(space)), nrow = k)))
  }
  fit <- sv_mbo_fit(self)
  lambdas <- rexp(k, rate = 1 / self$options$cb_lambda)
  rows <- NULL
  for (lambda in lambdas) {
    best <- sv_focus_search(self, function(cand) {
      p <- sv_mbo_predict(self, fit, cand)
      p$mu - lambda * p$se
    })
    rows <- if (is.null(rows)) best else rbind(rows, best)
  }
  rows
}

# Focus search (mlrMBO's infill optimizer): minimizes f over the space.
sv_focus_search <- function(self, f) {
  space <- self$space
  o <- self$options
  d <- length(space)
  best_row <- NULL
  best_val <- Inf
  for (restart in seq_len(max(1L, as.integer(o$focus_restarts)))) {
    lo <- rep(0, d); hi <- rep(1, d)
    levels_left <- lapply(space, function(p) if (p$type == "categorical") seq_along(p$values) else NULL)
    for (it in seq_len(max(1L, as.integer(o$focus_maxit)))) {
      n <- as.integer(o$focus_points)
      u <- matrix(runif(n * d), nrow = n)
      u <- sweep(sweep(u, 2, hi - lo, "*"), 2, lo, "+")
      cand <- sv_from_unit(space, u)
      for (j in seq_len(d)) if (space[[j]]$type == "categorical") {
        left <- levels_left[[j]]
        pick <- left[sample.int(length(left), n, replace = TRUE)]
        cand[[j]] <- factor(as.character(pick), levels = levels(cand[[j]]))
      }
      vals <- f(cand)
      i <- which.min(vals)
      if (length(i) == 1 && vals[i] < best_val) {
        best_val <- vals[i]
        best_row <- cand[i, , drop = FALSE]
      }
      centre <- cand[i, , drop = FALSE]
      for (j in seq_len(d)) {
        p <- space[[j]]
        if (p$type == "categorical") {
          left <- levels_left[[j]]
          keep <- as.integer(as.character(centre[[j]]))
          others <- setdiff(left, keep)
          if (length(others)) levels_left[[j]] <- setdiff(left, others[sample.int(length(others), 1)])
        } else {
          c <- as.numeric(centre[[j]])
          w <- (hi[j] - lo[j]) / 4
          lo[j] <- max(0, c - w); hi[j] <- min(1, c + w)
        }
      }
    }
  }
  rownames(best_row) <- NULL
  best_row
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
