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
