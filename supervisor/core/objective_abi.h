/* The objective rule (core::pick_objective) with a C ABI, for the Python model runner: it loads this
   library with ctypes, which any CPython can (a site's conda or venv Python included), so Python models
   get their objective by the same code as R and app models. Terms as in core/json_util.hpp. */
#ifndef SV_CORE_OBJECTIVE_ABI_H
#define SV_CORE_OBJECTIVE_ABI_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Picks the objective of a model's answer `result_json` (`len` bytes of JSON text; bare NaN, Infinity and
   -Infinity read as Python's json.dumps writes them) for `metric` under `mode` ("last", "min" or "max").
   Returns 1 and sets *value to a finite number; 0 when the answer has no objective, with the reason
   ("objective 'val_loss' is NaN", ...) in `error`; -1 when `result_json` is not JSON or `mode` is unknown,
   with the reason in `error`. `error` is always NUL-terminated, cut to `error_size` bytes. */
int sv_pick_objective(const char* result_json, size_t len, const char* metric, const char* mode, double* value,
                      char* error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
