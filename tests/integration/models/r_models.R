# R models for the integration tests: called with the parameters as a named list.
quadratic <- function(params) {
  x <- as.numeric(params$x)
  y <- if (is.null(params$y)) 0 else as.numeric(params$y)
  list(val_loss = (x - 1)^2 + (y + 2)^2, x_seen = x)
}

# Fails for x > 0 with an R error; the worker must live on.
sometimes_fails <- function(params) {
  if (params$x > 0) stop("x must not be positive, got ", params$x)
  (params$x + 1)^2
}

# Reports each epoch through ctx (streamed into the store's metrics table while the task runs).
trains <- function(params, ctx) {
  loss <- 2
  for (epoch in seq_len(params$epochs)) {
    loss <- loss * 0.5
    ctx$report(epoch, loss = loss, val_loss = loss + params$x)
  }
  cat("trained", params$epochs, "epochs\n")
  message("a message for stderr.log")
  list(val_loss = loss + params$x)
}

# A one-argument model reporting through sv_report(); also names its task directory.
reports_plainly <- function(params) {
  sv_report(list(epoch = 1, loss = params$x))
  list(val_loss = params$x, task_dir = sv_task_dir())
}

# Runs for `seconds` (default 60) in R code that never asks to stop: only model.timeout ends it early.
spins <- function(params) {
  end <- Sys.time() + (if (is.null(params$seconds)) 60 else params$seconds)
  n <- 0
  while (Sys.time() < end) n <- n + 1
  list(val_loss = 0, n = n)
}

# model_runner's itest checkpointed, in R: epochs of `epoch_sleep` seconds with a checkpoint after each;
# stops when asked and resumes from the newest checkpoint, reporting the epoch it started from.
checkpointed <- function(params, ctx) {
  saved <- ctx$load_checkpoint()
  first <- if (is.null(saved)) 1 else saved$epoch + 1
  epoch <- first - 1
  for (epoch in seq(first, length.out = max(0, params$epochs - first + 1))) {
    if (ctx$should_stop()) break
    Sys.sleep(params$epoch_sleep)
    ctx$save_checkpoint(epoch, list(epoch = epoch))
    ctx$report(epoch, loss = 1 / epoch)
  }
  list(val_loss = 1 / max(epoch, 1), resumed_at = first)
}

# checkpointed, until the file named `release` exists: no attempt ends on its own before the test releases
# it, so a drain always finds it running (the Python twin is itest_models.checkpointed_until_released).
checkpointed_until_released <- function(params, ctx) {
  saved <- ctx$load_checkpoint()
  first <- if (is.null(saved)) 1 else saved$epoch + 1
  epoch <- first - 1
  while (!file.exists(params$release)) {
    if (ctx$should_stop()) break
    if (epoch >= 2400) stop(params$release, " never appeared")
    epoch <- epoch + 1
    Sys.sleep(params$epoch_sleep)
    ctx$save_checkpoint(epoch, list(epoch = epoch))
    ctx$report(epoch, loss = 1 / epoch)
  }
  list(val_loss = 1 / max(epoch, 1), resumed_at = first)
}
