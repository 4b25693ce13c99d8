# testthat: space encoding/decoding of every type, proposals inside bounds, same seed same proposals.
root <- normalizePath(file.path(testthat::test_path(), ".."))
for (f in c("space.R", "mbo.R", "protocol.R", "emews.R")) sys.source(file.path(root, "R", f), envir = environment())

space_json <- '[{"name":"lr","type":"float","low":1e-4,"high":1e-1,"log":true},
  {"name":"drop","type":"float","low":0,"high":0.5},
  {"name":"layers","type":"int","low":1,"high":4},
  {"name":"units","type":"int","low":8,"high":512,"log":true},
  {"name":"act","type":"categorical","choices":["relu","tanh","elu"]},
  {"name":"dense","type":"categorical","choices":[[64,32],[128,64,32]]},
  {"name":"batch","type":"ordinal","values":[16,32,64]}]'
space <- sv_space(jsonlite::fromJSON(space_json, simplifyVector = FALSE))

in_space <- function(p) {
  p$lr >= 1e-4 && p$lr <= 1e-1 && p$drop >= 0 && p$drop <= 0.5 && is.integer(p$layers) &&
    p$layers >= 1 && p$layers <= 4 && is.integer(p$units) && p$units >= 8 && p$units <= 512 &&
    p$act %in% c("relu", "tanh", "elu") && sv_canon(p$dense) %in% c("[64,32]", "[128,64,32]") &&
    p$batch %in% c(16, 32, 64)
}

test_that("every type encodes and decodes back to itself", {
  p <- list(lr = 0.01, drop = 0.25, layers = 3L, units = 64L, act = "tanh", dense = list(128L, 64L, 32L), batch = 32L)
  row <- sv_encode(space, p)
  expect_false(is.null(row))
  expect_true(all(vapply(row, function(v) if (is.factor(v)) TRUE else v >= 0 && v <= 1, TRUE)))
  expect_equal(row$lr, 2 / 3, tolerance = 1e-12)   # log scale: 0.01 is two thirds of the way from 1e-4 to 1e-1
  expect_equal(row$drop, 0.5)
  expect_equal(row$batch, 0.5)                     # ordinal: the middle value
  expect_true(is.factor(row$act) && as.character(row$act) == "2")
  back <- sv_decode(space, row)
  expect_equal(back$lr, 0.01, tolerance = 1e-12)
  expect_identical(back$layers, 3L)
  expect_identical(back$units, 64L)
  expect_identical(back$act, "tanh")
  expect_identical(sv_canon(back$dense), "[128,64,32]")
  expect_identical(sv_canon(back$batch), "32")
  expect_identical(sv_json(back), sv_json(sv_decode(space, sv_encode(space, back))))
})

test_that("values outside the space do not encode", {
  p <- list(lr = 0.5, drop = 0.25, layers = 3L, units = 64L, act = "tanh", dense = list(64L, 32L), batch = 32L)
  expect_null(sv_encode(space, p))
  p$lr <- 0.01; p$act <- "sigmoid"
  expect_null(sv_encode(space, p))
  p$act <- "relu"; p$batch <- 48L
  expect_null(sv_encode(space, p))
  p$batch <- 64L
  expect_true(sv_contains(space, p))
})

test_that("unit-cube draws decode inside the space, ints snapped", {
  rows <- sv_from_unit(space, matrix(c(rep(0, 7), rep(1, 7), runif(7 * 50)), ncol = 7, byrow = TRUE))
  for (i in seq_len(nrow(rows))) expect_true(in_space(sv_decode(space, rows[i, , drop = FALSE])))
})

objective <- function(p) log10(p$lr)^2 + p$drop + (p$layers - 2)^2 + (if (p$act == "relu") 0 else 1) + p$batch / 64

run_mbo <- function(seed, n = 24, k = 4, options = list()) {
  m <- sv_mbo(space, seed = seed, options = modifyList(list(focus_points = 200L, num_trees = 50L), options), batch = k)
  out <- list()
  while (length(out) < n) {
    pts <- m$ask(k)
    for (p in pts) { out[[length(out) + 1]] <- p; m$tell(p, objective(p), TRUE) }
  }
  out
}

test_that("mbo proposals stay inside the bounds (design and model-based)", {
  pts <- run_mbo(seed = 1)
  expect_length(pts, 24)
  for (p in pts) expect_true(in_space(p))
})

test_that("the same seed gives the same proposals; another seed other ones", {
  a <- sv_json(run_mbo(seed = 7, n = 16))
  b <- sv_json(run_mbo(seed = 7, n = 16))
  c <- sv_json(run_mbo(seed = 8, n = 16))
  expect_identical(a, b)
  expect_false(identical(a, c))
})

test_that("the infinitesimal-jackknife surrogate also proposes inside the space", {
  for (p in run_mbo(seed = 2, n = 16, options = list(se_method = "infjack"))) expect_true(in_space(p))
})

test_that("failures are imputed as a bad value and unknown options are refused", {
  m <- sv_mbo(space, seed = 1, options = list(init_design = 4L, focus_points = 100L, num_trees = 20L))
  pts <- m$ask(4)
  m$tell(pts[[1]], 1, TRUE); m$tell(pts[[2]], 3, TRUE); m$tell(pts[[3]], NA, FALSE); m$tell(pts[[4]], 2, TRUE)
  expect_equal(sv_mbo_targets(m)[3], 3 + 0.1 * 3)
  expect_true(in_space(m$ask(1)[[1]]))
  expect_error(sv_mbo(space, options = list(bogus = 1)), "unknown option bogus")
})

test_that("replay: a restarted search resends its outstanding points once, then continues like the original", {
  cfg_space <- jsonlite::fromJSON('[{"name":"x","type":"float","low":-5,"high":5}]', simplifyVector = FALSE)
  f <- function(p) (p$x - 1)^2
  drive <- function(replay, max_results) {
    sent <- list(); pending <- list(); results <- list(); n <- 0
    sv_bridge_reset(
      send = function(t) { m <- sv_parse(t); sent[[length(sent) + 1]] <<- m
        if (m$type == "points") for (pt in m$points) pending[[length(pending) + 1]] <<- pt },
      receive = function() {
        if (!length(pending) || n >= max_results) return('{"type":"stop","reason":"max_time"}')
        pt <- pending[[1]]; pending <<- pending[-1]; n <<- n + 1
        r <- list(type = "result", id = as.character(pt$tag$seq), params = pt$params, tag = pt$tag, ok = TRUE,
                  objective = f(pt$params), objectives = list(val_loss = f(pt$params)), error = "")
        results[[length(results) + 1]] <<- r
        sv_json(r)
      })
    on.exit(sv_bridge_reset())
    sv_driver_run(sv_mbo(sv_space(cfg_space), seed = 4, options = list(init_design = 3L, focus_points = 100L)),
                  sv_exchange(replay), sv_scorer(list(list(metric = "val_loss", goal = "minimize"))),
                  workers = 2, batch = 0, max_evals = 10)
    list(sent = sent, results = results)
  }
  whole <- drive(list(), 10)
  first <- drive(list(), 5)
  again <- drive(lapply(first$results, function(r) sv_parse(sv_json(r))), 5)
  resend <- Filter(function(m) m$type == "points" && isTRUE(m$resend), again$sent)
  expect_length(resend, 1)
  expect_true(all(vapply(resend[[1]]$points, function(p) !is.null(p$tag$seq), TRUE)))
  proposed <- function(run) unlist(lapply(Filter(function(m) m$type == "points", run$sent),
                                          function(m) vapply(m$points, function(p) p$params$x, 0)))
  # the restarted run's live proposals continue the uninterrupted run's sequence
  live <- unlist(lapply(Filter(function(m) m$type == "points" && !isTRUE(m$resend), again$sent),
                        function(m) vapply(m$points, function(p) p$params$x, 0)))
  k <- length(proposed(first))
  expect_true(length(live) > 0)
  expect_equal(live, proposed(whole)[k + seq_along(live)])
  expect_equal(length(resend[[1]]$points), k - 5)
})
