# testthat: the streaming driver with results that pile up while R fits (one ask for all free slots), the
# queue ahead of the workers, and a resumed streaming run replaying its asks from the ask log.
root <- normalizePath(file.path(testthat::test_path(), ".."))
for (f in c("space.R", "mbo.R", "protocol.R", "emews.R")) sys.source(file.path(root, "R", f), envir = environment())

cfg_space <- jsonlite::fromJSON('[{"name":"x","type":"float","low":-5,"high":5},{"name":"y","type":"float","low":-5,"high":5}]',
                                simplifyVector = FALSE)
f <- function(p) (p$x - 1)^2 + (p$y + 2)^2

# A fake engine evaluating points in the order they were sent; `burst` more results are already queued
# each time the driver blocks for one (as when workers finish while R fits).
drive <- function(replay, max_results, burst, workers = 4, ahead = 0L, max_evals = 20, log = "") {
  sent <- list(); pending <- list(); results <- list(); n <- 0; extra <- 0
  one <- function() {
    pt <- pending[[1]]; pending <<- pending[-1]; n <<- n + 1
    r <- list(type = "result", id = as.character(pt$tag$seq), params = pt$params, tag = pt$tag, ok = TRUE,
              objective = f(pt$params), objectives = list(val_loss = f(pt$params)), error = "")
    results[[length(results) + 1]] <<- r
    sv_json(r)
  }
  sv_bridge_reset(
    send = function(t) { m <- sv_parse(t); sent[[length(sent) + 1]] <<- m
      if (m$type == "points") for (pt in m$points) pending[[length(pending) + 1]] <<- pt },
    receive = function() {
      if (!length(pending) || n >= max_results) return('{"type":"stop","reason":"max_time"}')
      extra <<- burst
      one()
    },
    try_receive = function() {
      if (extra <= 0 || !length(pending) || n >= max_results) return("")
      extra <<- extra - 1
      one()
    })
  on.exit(sv_bridge_reset())
  sv_driver_run(sv_mbo(sv_space(cfg_space), seed = 4, options = list(init_design = 4L, focus_points = 100L, num_trees = 30L)),
                sv_exchange(replay), sv_scorer(list(list(metric = "val_loss", goal = "minimize"))),
                workers = workers, batch = 0, max_evals = max_evals, ahead = ahead, ask_log = log)
  list(sent = sent, results = results)
}
points_of <- function(run, resend = FALSE) Filter(function(m) m$type == "points" && isTRUE(m$resend) == resend, run$sent)

test_that("results that arrived while R fitted are learnt together and answered by one ask", {
  run <- drive(list(), 20, burst = 2)
  asks <- points_of(run)
  sizes <- vapply(asks, function(m) length(m$points), 0L)
  expect_equal(sum(sizes), 20)
  expect_equal(sizes[1], 4)
  expect_true(all(sizes[-c(1, length(sizes))] == 3))   # 1 + burst results, then one ask for 3 slots
  expect_length(run$results, 20)
  seqs <- unlist(lapply(asks, function(m) vapply(m$points, function(p) p$tag$seq, 0)))
  expect_equal(seqs, 1:20)
  xs <- unlist(lapply(asks, function(m) vapply(m$points, function(p) p$params$x, 0)))
  expect_equal(length(unique(xs)), 20)                 # no point twice
  expect_true(all(xs >= -5 & xs <= 5))
})

test_that("queue_ahead keeps that many points beyond the workers in flight", {
  run <- drive(list(), 20, burst = 0, workers = 4, ahead = 2L)
  expect_equal(length(points_of(run)[[1]]$points), 6)
  expect_equal(sum(vapply(points_of(run), function(m) length(m$points), 0L)), 20)
})

test_that("a resumed streaming run replays its asks from the log and resends exactly what was out", {
  log1 <- tempfile(); logw <- tempfile()
  whole <- drive(list(), 20, burst = 2, log = logw)
  first <- drive(list(), 6, burst = 2, log = log1)
  expect_true(file.exists(log1))
  expect_equal(readLines(log1), c("0", "3", "6"))
  out <- list()
  for (m in points_of(first)) for (p in m$points) out[[as.character(p$tag$seq)]] <- p$params
  for (r in first$results) out[[as.character(r$tag$seq)]] <- NULL
  again <- drive(lapply(first$results, function(r) sv_parse(sv_json(r))), 20, burst = 2, log = log1)
  resend <- points_of(again, resend = TRUE)
  expect_length(resend, 1)
  got <- list()
  for (p in resend[[1]]$points) got[[as.character(p$tag$seq)]] <- p$params
  expect_identical(sv_json(got[order(as.integer(names(got)))]), sv_json(out[order(as.integer(names(out)))]))
  # without the log the replay would have asked after every result; with it the live proposals continue
  # the uninterrupted run's sequence
  live <- unlist(lapply(points_of(again), function(m) vapply(m$points, function(p) p$params$x, 0)))
  xs_whole <- unlist(lapply(points_of(whole), function(m) vapply(m$points, function(p) p$params$x, 0)))
  expect_true(length(live) > 0)
  expect_equal(live, xs_whole[length(out) + length(first$results) + seq_along(live)])
  expect_equal(readLines(log1)[1:3], c("0", "3", "6"))
})
