# An EMEWS EQ/R algorithm that fails: the engine must hear R's message, not wait forever.
OUT_put("Params")
IN_get()
stop("the algorithm broke on purpose")
