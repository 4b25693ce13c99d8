# An ME algorithm written for EMEWS EQ/R: only OUT_put / IN_get and the EMEWS sentinels.
OUT_put("Params")
settings <- strsplit(strsplit(IN_get(), ";")[[1]], "=")
settings <- setNames(lapply(settings, function(kv) as.numeric(kv[2])), vapply(settings, `[`, "", 1))
centre <- 4
best <- NULL
for (generation in seq_len(settings$generations)) {
  xs <- centre - 1.5 + (seq_len(settings$size) - 1) * (3 / (settings$size - 1))
  OUT_put(paste(sprintf('{"x": %.6f, "y": -2}', xs), collapse = ";"))
  values <- as.numeric(strsplit(IN_get(), ";")[[1]])
  for (i in seq_along(xs)) if (!is.nan(values[i]) && (is.null(best) || values[i] < best$value))
    best <- list(x = xs[i], value = values[i])
  centre <- best$x
}
OUT_put("DONE")
OUT_put(sprintf('{"best": {"x": %.6f}, "value": %.6f}', best$x, best$value))
