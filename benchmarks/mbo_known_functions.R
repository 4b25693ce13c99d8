# mbo against random search on known functions (Branin, Hartmann-6, a mixed function with a categorical
# parameter), same budget and seeds for both, batch proposals as CANDLE runs mlrMBO; mbo streaming as the
# supervisor drives it with batch 0 (`workers` points out, one more asked as each result comes back, the
# streaming defaults); plus the proposal latency of mbo with 500 observations.
# Writes benchmarks/results/mbo_known_functions.json.
#   Rscript benchmarks/mbo_known_functions.R [--seeds 10] [--budget 40] [--batch 4] [--workers 4]
args <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default) { i <- match(paste0("--", name), args); if (is.na(i)) default else as.numeric(args[i + 1]) }
seeds <- opt("seeds", 10); budget <- opt("budget", 40); batch <- opt("batch", 4); workers <- opt("workers", 4)
here <- normalizePath(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
root <- file.path(here, "..", "eq_r")
for (f in c("space.R", "mbo.R", "protocol.R")) sys.source(file.path(root, "R", f), envir = globalenv())
sp <- function(json) sv_space(jsonlite::fromJSON(json, simplifyVector = FALSE))

branin <- list(name = "branin", optimum = 0.397887,
  space = sp('[{"name":"x1","type":"float","low":-5,"high":10},{"name":"x2","type":"float","low":0,"high":15}]'),
  f = function(p) (p$x2 - 5.1 / (4 * pi^2) * p$x1^2 + 5 / pi * p$x1 - 6)^2 + 10 * (1 - 1 / (8 * pi)) * cos(p$x1) + 10)

h6A <- matrix(c(10, 3, 17, 3.5, 1.7, 8, 0.05, 10, 17, 0.1, 8, 14, 3, 3.5, 1.7, 10, 17, 8, 17, 8, 0.05, 10, 0.1, 14),
              nrow = 4, byrow = TRUE)
h6P <- 1e-4 * matrix(c(1312, 1696, 5569, 124, 8283, 5886, 2329, 4135, 8307, 3736, 1004, 9991, 2348, 1451, 3522,
                       2883, 3047, 6650, 4047, 8828, 8732, 5743, 1091, 381), nrow = 4, byrow = TRUE)
h6a <- c(1, 1.2, 3, 3.2)
hartmann6 <- list(name = "hartmann6", optimum = -3.32237,
  space = sp(paste0("[", paste(sprintf('{"name":"x%d","type":"float","low":0,"high":1}', 1:6), collapse = ","), "]")),
  f = function(p) { x <- unlist(p[paste0("x", 1:6)]); -sum(h6a * exp(-rowSums(h6A * sweep(h6P, 2, x)^2))) })

# Mixed: a shifted Branin whose shape depends on a categorical, plus an int and an ordinal term.
mixed <- list(name = "mixed", optimum = 0.397887,
  space = sp('[{"name":"x1","type":"float","low":-5,"high":10},{"name":"x2","type":"float","low":0,"high":15},
               {"name":"kind","type":"categorical","choices":["a","b","c"]},{"name":"k","type":"int","low":0,"high":10},
               {"name":"lvl","type":"ordinal","values":[1,2,4,8]}]'),
  f = function(p) branin$f(p) + c(a = 0, b = 3, c = 8)[[p$kind]] + 0.5 * abs(p$k - 3) + 0.25 * abs(log2(p$lvl) - 1))

run_one <- function(problem, name, seed) {
  streaming <- name == "mbo_streaming"
  o <- sv_make_optimizer(if (streaming) "mbo" else name, problem$space, seed = seed, options = list(),
                         batch = if (streaming) 0 else batch)
  best <- Inf; n <- 0; trace <- numeric(0)
  if (streaming) {
    out <- o$ask(workers); asked <- workers
    while (length(out)) {
      p <- out[[1]]; out <- out[-1]; v <- problem$f(p); o$tell(p, v, TRUE); best <- min(best, v); trace <- c(trace, best)
      if (asked < budget) { out <- c(out, o$ask(1)); asked <- asked + 1 }
    }
  } else while (n < budget) {
    pts <- o$ask(min(batch, budget - n))
    for (p in pts) { v <- problem$f(p); o$tell(p, v, TRUE); n <- n + 1; best <- min(best, v); trace <- c(trace, best) }
  }
  list(best = best, trace = trace)
}

results <- list()
for (problem in list(branin, hartmann6, mixed)) {
  per <- list()
  for (name in c("mbo", "mbo_streaming", "random")) {
    t0 <- Sys.time()
    bests <- vapply(seq_len(seeds), function(s) run_one(problem, name, s)$best, 0)
    per[[name]] <- list(median_best = median(bests), best_values = bests, seconds = as.numeric(Sys.time() - t0, units = "secs"))
    cat(sprintf("%-10s %-13s median best %.4f (optimum %.4f) over %d seeds, %.1f s\n", problem$name, name,
                median(bests), problem$optimum, seeds, per[[name]]$seconds))
  }
  per$mbo_wins <- per$mbo$median_best < per$random$median_best
  per$mbo_streaming_wins <- per$mbo_streaming$median_best < per$random$median_best
  per$optimum <- problem$optimum
  results[[problem$name]] <- per
}

# Proposal latency with 500 observations (Hartmann-6), one point and a batch of 4, both uncertainty methods,
# with the batch defaults; and with the streaming defaults (lighter focus-search rounds, see mbo.R).
latency <- list()
for (se in c("bootstrap", "infjack", "streaming")) {
  o <- sv_mbo(hartmann6$space, seed = 1, options = list(se_method = if (se == "streaming") "bootstrap" else se,
                                                        init_design = 9L), batch = if (se == "streaming") 0 else batch)
  pts <- sv_random(hartmann6$space, seed = 2)$ask(500)
  for (p in pts) o$tell(p, hartmann6$f(p), TRUE)
  o$design_used <- nrow(o$design)
  one <- vapply(1:5, function(i) system.time(o$ask(1))[["elapsed"]], 0)
  four <- vapply(1:3, function(i) system.time(o$ask(4))[["elapsed"]], 0)
  latency[[se]] <- list(observations = 500, one_point_median_s = median(one), batch4_median_s = median(four))
  cat(sprintf("latency, 500 observations, %s: 1 point %.3f s, 4 points %.3f s (medians)\n", se, median(one), median(four)))
}

out <- list(benchmark = "mbo_known_functions", seeds = seeds, budget = budget, batch = batch, streaming_workers = workers,
            r_version = R.version.string, ranger = as.character(packageVersion("ranger")),
            problems = results, latency_500 = latency)
dir.create(file.path(here, "results"), showWarnings = FALSE)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "results", "mbo_known_functions.json"))
cat("wrote", file.path(here, "results", "mbo_known_functions.json"), "\n")
