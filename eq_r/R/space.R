# The search space on the R side, from config_json's "space" (PROTOCOL.md), parsed with
# jsonlite::fromJSON(simplifyVector = FALSE). Every parameter is one column of the surrogate's table:
#   float / int (log or not) and ordinal: a number u in [0, 1] (log scale for log parameters, the index for
#   ordinal values), categorical: a factor whose levels are the choices' positions "1".."k".
# decode() turns a row back into JSON-ready values (ints as integers, choices as given, lists included).

sv_space <- function(params) {
  if (length(params) == 0) stop("space: no parameters", call. = FALSE)
  lapply(params, function(p) {
    p$type <- as.character(p$type)
    if (p$type %in% c("float", "int")) {
      p$low <- as.numeric(p$low); p$high <- as.numeric(p$high)
      p$log <- isTRUE(p$log)
      if (p$log && p$low <= 0) stop(sprintf("space.%s: log needs low > 0", p$name), call. = FALSE)
    } else if (p$type == "categorical") {
      p$values <- if (!is.null(p$choices)) p$choices else p$values
    } else if (p$type == "ordinal") {
      p$values <- if (!is.null(p$values)) p$values else p$choices
    } else {
      stop(sprintf("space.%s: unknown type %s", p$name, p$type), call. = FALSE)
    }
    if (p$type %in% c("categorical", "ordinal") && length(p$values) == 0)
      stop(sprintf("space.%s: no values", p$name), call. = FALSE)
    p
  })
}

sv_space_names <- function(space) vapply(space, function(p) as.character(p$name), "")

sv_is_categorical <- function(p) p$type == "categorical" && length(p$values) > 1

# Canonical JSON text of a value, for comparing choices.
sv_canon <- function(x) as.character(jsonlite::toJSON(x, auto_unbox = TRUE, digits = NA, null = "null"))

# A data.frame of n rows drawn from an n x d matrix u of numbers in [0, 1] (LHS or uniform).
sv_from_unit <- function(space, u) {
  u <- matrix(u, ncol = length(space))
  cols <- lapply(seq_along(space), function(j) {
    p <- space[[j]]
    if (p$type == "categorical") {
      k <- length(p$values)
      factor(as.character(pmin(k, pmax(1, ceiling(u[, j] * k)))), levels = as.character(seq_len(k)))
    } else if (p$type == "ordinal") {
      k <- length(p$values)
      if (k == 1) rep(0, nrow(u)) else (pmin(k, pmax(1, ceiling(u[, j] * k))) - 1) / (k - 1)
    } else if (p$type == "int") {
      # snap to the integer grid so that the table holds what is evaluated
      sv_encode_number(p, sv_decode_number(p, u[, j]))
    } else {
      u[, j]
    }
  })
  names(cols) <- sv_space_names(space)
  as.data.frame(cols, stringsAsFactors = FALSE, optional = TRUE)
}

sv_decode_number <- function(p, u) {
  u <- pmin(1, pmax(0, u))
  x <- if (p$log) exp(log(p$low) + u * (log(p$high) - log(p$low))) else p$low + u * (p$high - p$low)
  x <- pmin(p$high, pmax(p$low, x))
  if (p$type == "int") x <- pmin(p$high, pmax(p$low, round(x)))
  x
}

sv_encode_number <- function(p, x) {
  x <- as.numeric(x)
  if (p$high == p$low) return(rep(0, length(x)))
  if (p$log) (log(x) - log(p$low)) / (log(p$high) - log(p$low)) else (x - p$low) / (p$high - p$low)
}

# One row (a data.frame row, or a list) -> a named list of parameter values.
sv_decode <- function(space, row) {
  out <- lapply(seq_along(space), function(j) {
    p <- space[[j]]
    v <- row[[j]]
    if (p$type == "categorical") {
      p$values[[as.integer(as.character(v))]]
    } else if (p$type == "ordinal") {
      k <- length(p$values)
      p$values[[if (k == 1) 1 else as.integer(round(as.numeric(v) * (k - 1))) + 1L]]
    } else if (p$type == "int") {
      as.integer(sv_decode_number(p, as.numeric(v)))
    } else {
      sv_decode_number(p, as.numeric(v))
    }
  })
  names(out) <- sv_space_names(space)
  out
}

# A named list of parameter values -> a one-row data.frame; NULL when a value is outside the space.
sv_encode <- function(space, params) {
  cols <- list()
  for (p in space) {
    v <- params[[p$name]]
    if (is.null(v)) return(NULL)
    if (p$type %in% c("categorical", "ordinal")) {
      i <- match(sv_canon(v), vapply(p$values, sv_canon, ""))
      if (is.na(i)) return(NULL)
      k <- length(p$values)
      cols[[p$name]] <- if (p$type == "categorical") factor(as.character(i), levels = as.character(seq_len(k)))
                        else if (k == 1) 0 else (i - 1) / (k - 1)
    } else {
      if (!is.numeric(v) || length(v) != 1 || !is.finite(v) || v < p$low - 1e-9 * abs(p$low) ||
          v > p$high + 1e-9 * abs(p$high)) return(NULL)
      cols[[p$name]] <- sv_encode_number(p, v)
    }
  }
  as.data.frame(cols, stringsAsFactors = FALSE, optional = TRUE)
}

# TRUE when every value of params lies in the space.
sv_contains <- function(space, params) !is.null(sv_encode(space, params))
