# The learning curve of prune_models.py in R: val_loss(epoch) = (x - 0.3)^2 + 0.5 * exp(-epoch / 3); each
# epoch but the last waits `epoch_s` seconds after its report, polling ctx$should_stop().
curve <- function(params, ctx) {
  epochs <- if (is.null(params$epochs)) 9 else params$epochs
  epoch_s <- if (is.null(params$epoch_s)) 0.3 else params$epoch_s
  loss <- NA
  for (epoch in seq_len(epochs)) {
    loss <- (params$x - 0.3)^2 + 0.5 * exp(-epoch / 3)
    ctx$report(epoch, val_loss = loss)
    if (epoch == epochs) break
    until <- Sys.time() + epoch_s
    while (Sys.time() < until) {
      if (ctx$should_stop()) return(list(val_loss = loss))
      Sys.sleep(0.005)
    }
  }
  list(val_loss = loss)
}
