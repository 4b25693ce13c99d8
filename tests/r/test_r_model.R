# testthat: the R half of the worker's R shell (supervisor/shell/r_model.R) without a worker: how models are
# called, ctx progress/stop/checkpoints, the timeout, output capture, and what each task answers.
root <- normalizePath(file.path(testthat::test_path(), "..", ".."))
sys.source(file.path(root, "supervisor", "shell", "r_model.R"), envir = environment())

model_file <- function(code) {
  path <- tempfile(fileext = ".R")
  writeLines(code, path)
  path
}

task_for <- function(dir = tempfile("task-"), timeout = 0, task_files = FALSE) {
  list(task_id = 7, node_id = "3", attempt = 1L, rank = 1L, host = "h", model_name = "model",
       task_dir = dir, task_files = task_files, timeout = timeout, metric = "val_loss")
}

with_hooks <- function(report = function(p) NULL, should_stop = function() FALSE, code) {
  old <- .sv_shell$hooks
  .sv_shell$hooks <- list(report = report, should_stop = should_stop)
  on.exit(.sv_shell$hooks <- old)
  code
}

test_that("a model is called with what it takes: (), (params) or (params, ctx)", {
  f <- model_file(c("none <- function() 1", "one <- function(params) params$x * 2",
                    "two <- function(params, ctx) list(val_loss = params$x, node = ctx$node_id)"))
  expect_equal(.sv_shell$run(f, "none", "{}", task_for()), c("ok", "1", ""))
  expect_equal(.sv_shell$run(f, "one", '{"x": 2}', task_for()), c("ok", "4", ""))
  out <- .sv_shell$run(f, "two", '{"x": 2}', task_for())
  expect_equal(out[1], "ok")
  expect_equal(jsonlite::fromJSON(out[2]), list(val_loss = 2, node = "3"))
})

test_that("reports stream through the hook, stay in the history and reach the result", {
  sent <- character()
  f <- model_file(c(
    "trains <- function(params, ctx) {",
    "  for (e in 1:3) ctx$report(e, loss = 1 / e, val_loss = 2 / e)",
    "  list(val_loss = 2 / 3)",
    "}",
    "plain <- function(params) { sv_report(list(epoch = 1, loss = 0.5)); 0.25 }"))
  out <- with_hooks(report = function(p) sent <<- c(sent, p), code = .sv_shell$run(f, "trains", "{}", task_for()))
  expect_equal(out[1], "ok")
  expect_equal(sent[1], '{"epoch":1,"loss":1,"val_loss":2}')
  expect_length(sent, 3)
  result <- jsonlite::fromJSON(out[2])
  expect_equal(result$history$epoch, 1:3)
  expect_equal(result$history$loss, c(1, 0.5, 1 / 3))
  out <- with_hooks(report = function(p) sent <<- c(sent, p), code = .sv_shell$run(f, "plain", "{}", task_for()))
  expect_equal(sent[4], '{"epoch":1,"loss":0.5}')
  expect_equal(jsonlite::fromJSON(out[2]), list(val_loss = 0.25, history = list(epoch = 1L, loss = 0.5)))
})

test_that("a model that asked to stop and got TRUE is interrupted, with its checkpoint for the resume", {
  dir <- tempfile("task-")
  f <- model_file(c(
    "steps <- function(params, ctx) {",
    "  saved <- ctx$load_checkpoint()",
    "  first <- if (is.null(saved)) 1 else saved$epoch + 1",
    "  for (e in first:5) {",
    "    if (ctx$should_stop()) break",
    "    ctx$save_checkpoint(e, list(w = e))",
    "    ctx$report(e, loss = 1 / e)",
    "  }",
    "  list(val_loss = 1 / e, resumed_at = first)",
    "}"))
  calls <- 0
  stop_after_two <- function() { calls <<- calls + 1; calls > 2 }
  out <- with_hooks(should_stop = stop_after_two, code = .sv_shell$run(f, "steps", "{}", task_for(dir)))
  expect_equal(out[1], "interrupted")
  expect_match(out[3], "interrupted at epoch 2: the supervisor asked the task to stop; it can resume from its last checkpoint")
  expect_true(jsonlite::fromJSON(out[2])$interrupted)
  expect_equal(basename(list.files(file.path(dir, "checkpoints"))), c("epoch-0001.rds", "epoch-0002.rds"))
  out <- .sv_shell$run(f, "steps", "{}", task_for(dir))
  expect_equal(out[1], "ok")
  expect_equal(jsonlite::fromJSON(out[2])$resumed_at, 3)
  expect_equal(basename(list.files(file.path(dir, "checkpoints"))), c("epoch-0004.rds", "epoch-0005.rds"))
})

test_that("ctx$task_dir is the planned folder, made on first use", {
  dir <- tempfile("task-")
  f <- model_file("where <- function(params, ctx) { writeLines('x', file.path(ctx$task_dir, 'a.txt')); 1 }")
  expect_false(dir.exists(dir))
  expect_equal(.sv_shell$run(f, "where", "{}", task_for(dir))[1], "ok")
  expect_true(file.exists(file.path(dir, "a.txt")))
})

test_that("model.timeout interrupts a running model and the session goes on", {
  f <- model_file(c("spins <- function(params) { x <- 0; repeat x <- x + 1 }",
                    "naps <- function(params) { repeat Sys.sleep(0.05) }",
                    "swallows <- function(params) { tryCatch(repeat Sys.sleep(0.05), error = function(e) NULL); 1 }"))
  # The answer is the check (a limit that never fired would spin until ctest's timeout), not how fast it came.
  for (fun in c("spins", "naps", "swallows")) {
    out <- .sv_shell$run(f, fun, "{}", task_for(timeout = 0.5))
    expect_equal(out[1], "timeout", label = fun)
  }
  expect_match(.sv_shell$run(f, "spins", "{}", task_for(timeout = 0.5))[3], "elapsed time limit")
  expect_equal(.sv_shell$run(model_file("quick <- function(params) 2"), "quick", "{}", task_for(timeout = 0.5)),
               c("ok", "2", ""))
  # No limit is left armed: one would interrupt whatever R runs next once its 0.5 s are past.
  expect_error(Sys.sleep(0.7), NA)
  expect_equal(.sv_shell$run(model_file("naps <- function(params) { Sys.sleep(0.7); 3 }"), "naps", "{}", task_for()),
               c("ok", "3", ""))
})

test_that("with task files, R's output and messages go to stdout.log and stderr.log; sinks are restored", {
  # In a fresh R: testthat's own handlers would swallow the messages and warnings before any sink.
  dir <- tempfile("task-")
  f <- model_file("talks <- function(params) { cat('hello out\\n'); message('hello err'); warning('careful'); sink(tempfile()); 1 }")
  script <- tempfile(fileext = ".R")
  writeLines(c(sprintf("sys.source('%s', envir = globalenv())", file.path(root, "supervisor", "shell", "r_model.R")),
               sprintf("task <- list(task_id = 1, node_id = '1', attempt = 1L, task_dir = '%s', task_files = TRUE, timeout = 0)", dir),
               "depth <- sink.number()",
               sprintf("out <- .sv_shell$run('%s', 'talks', '{}', task)", f),
               "cat(out[1], sink.number() == depth, '\\n')"), script)
  said <- system2(file.path(R.home("bin"), "Rscript"), script, stdout = TRUE, stderr = TRUE)
  expect_equal(trimws(said), "ok TRUE")
  expect_equal(readLines(file.path(dir, "stdout.log")), "hello out")
  err <- readLines(file.path(dir, "stderr.log"))
  expect_true("hello err" %in% err)
  expect_true(any(grepl("careful", err)))
})

test_that("errors come back as text with R's message, never as R conditions", {
  f <- model_file(c("bad <- function(params) stop('x must not be positive')",
                    "odd <- function(params) 'text'",
                    "partial <- function(params, ctx) { ctx$report(1, loss = 2); stop('late') }"))
  out <- .sv_shell$run(f, "bad", "{}", task_for())
  expect_equal(out[1], "error")
  expect_match(out[3], "^R error: x must not be positive")
  expect_match(.sv_shell$run(f, "odd", "{}", task_for())[3], "returned a character, not a named list or a number")
  expect_match(.sv_shell$run(f, "nope", "{}", task_for())[3], "defines no function nope\\(\\)")
  expect_match(.sv_shell$run("/no/such.R", "f", "{}", task_for())[3], "does not exist")
  out <- .sv_shell$run(f, "partial", "{}", task_for())
  expect_equal(jsonlite::fromJSON(out[2])$history$loss, 2)
})

test_that("report() wants an epoch and named metrics", {
  f <- model_file(c("a <- function(params, ctx) ctx$report(list(loss = 1))",
                    "b <- function(params, ctx) ctx$report(1, 2)"))
  expect_match(.sv_shell$run(f, "a", "{}", task_for())[3], "needs an epoch")
  expect_match(.sv_shell$run(f, "b", "{}", task_for())[3], "needs a name")
})
