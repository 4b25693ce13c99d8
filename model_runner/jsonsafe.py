"""Turn whatever a model returns into something ``json.dumps(allow_nan=False)`` accepts.

Results travel to rank 0 as JSON and end up in SQLite; one numpy float or a NaN
must not turn a finished training into a failed task. numpy/torch scalars and
small arrays become numbers and lists, NaN/inf become null, big arrays and
unknown objects become short descriptive strings (a result is not a data store).
"""
import json
import math
from collections.abc import Mapping

__all__ = ["to_jsonable", "dumps", "dumps_clean"]

MAX_ELEMENTS = 10_000  # arrays larger than this are summarized, not inlined
_MAX_DEPTH = 64


# One encoder for every call: json.dumps(..., allow_nan=False) would build a new one each time.
_ENCODER = json.JSONEncoder(allow_nan=False)


def dumps(obj):
    """JSON text for ``obj``; a plain encode first since most results are already clean."""
    return dumps_clean(obj)[0]


def dumps_clean(obj):
    """``(dumps(obj), clean)``: ``clean`` when nothing had to be replaced (no NaN, no numpy value), so the
    text is ``obj`` exactly."""
    try:
        return _ENCODER.encode(obj), True
    except (TypeError, ValueError, RecursionError):
        return _ENCODER.encode(to_jsonable(obj)), False


def to_jsonable(obj, _depth=0, keep_non_finite=False):
    """A JSON-safe copy of ``obj`` (dict keys become strings). ``keep_non_finite`` leaves NaN and inf as
    they are, for JSON text written with them bare (what the objective rule reads, objective_rule.py)."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if keep_non_finite or math.isfinite(obj) else None
    if _depth > _MAX_DEPTH:
        return _short_repr(obj)
    depth = _depth + 1
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v, depth, keep_non_finite) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v, depth, keep_non_finite) for v in obj]
    history = getattr(obj, "history", None)
    if isinstance(history, dict):  # a Keras History object
        return to_jsonable(history, depth, keep_non_finite)
    if hasattr(obj, "tolist"):  # numpy scalars/arrays, torch tensors
        return _array_like(obj, depth, keep_non_finite)
    if hasattr(obj, "__fspath__"):
        return str(obj.__fspath__())
    return _short_repr(obj)


def _array_like(obj, depth, keep_non_finite=False):
    size = getattr(obj, "size", None)
    if callable(size):  # torch: .size() is a shape; numel() is the count
        size = obj.numel() if hasattr(obj, "numel") else None
    if isinstance(size, int) and size > MAX_ELEMENTS:
        shape = tuple(getattr(obj, "shape", ()))
        return f"<{type(obj).__name__} shape={shape} dtype={getattr(obj, 'dtype', '?')}>"
    try:
        if hasattr(obj, "detach"):
            obj = obj.detach().cpu()
        return to_jsonable(obj.tolist(), depth, keep_non_finite)
    except Exception:  # noqa: BLE001 - an odd object must not fail the task
        return _short_repr(obj)


def _short_repr(obj, limit=200):
    try:
        text = repr(obj)
    except Exception:  # noqa: BLE001
        text = f"<{type(obj).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."
