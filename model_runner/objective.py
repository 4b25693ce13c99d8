"""From what a model returned to (objective, result dict, history).

Models answer in several dialects: a dict of metrics, a bare number, a Keras
``History`` (``.history`` is a dict of per-epoch lists), a dict of lists, or
nothing at all after streaming their epochs through ``ctx.report``. This module
adapts them to one shape and picks the objective. A NaN, infinite or missing
objective is a failed evaluation with a message that says which, because an
optimizer fed a silent NaN learns garbage.

The rule in ``pick_objective`` is the one every model kind follows: R and app
models get theirs from ``core::pick_objective`` (supervisor/core/json_util.hpp),
and both are held to the same cases, tests/data/objective_cases.json.
"""
import math
from collections.abc import Mapping

from .errors import TaskFailure

__all__ = ["adapt_output", "history_from_rows", "pick_objective", "MODES"]

MODES = ("last", "min", "max")
_SEQUENCES = (list, tuple)


def adapt_output(out):
    """Return ``(result: dict, history: dict | None, number)`` for a model's return value.

    ``number`` is the objective when the model returned a bare number, else None.
    Raises TaskFailure for a return value of an unsupported type.
    """
    if type(out) is dict:  # the common case, first and cheap
        if out and "history" not in out and _is_columns(out):
            return {}, _columns(out), None
        history = out.get("history")
        if history is not None:
            adapted = as_history(history)
            if adapted is not None:
                result = dict(out)
                result["history"] = adapted
                return result, adapted, None
        return out, None, None
    if out is None:
        return {}, None, None
    if isinstance(out, Mapping):
        return adapt_output(dict(out))
    history = as_history(out)
    if history is not None:
        return {}, history, None
    if _is_number(out):
        value = float(out.item() if hasattr(out, "item") else out)
        return {"objective": value}, None, value
    raise TaskFailure(f"model returned {type(out).__name__}; expected a dict, a number, "
                      "a Keras-style history or None")


def as_history(obj):
    """A column dict ``{"loss": [...], ...}`` for the history forms we accept, else None.

    Accepted: an object with a ``.history`` dict (Keras), a dict of lists, a list of
    per-epoch row dicts (what ``ctx.report`` records).
    """
    keras = getattr(obj, "history", None)
    if isinstance(keras, Mapping) and not isinstance(obj, Mapping):
        return _columns(keras)
    if isinstance(obj, Mapping):
        return _columns(obj) if _is_columns(obj) else None
    if isinstance(obj, _SEQUENCES) and obj and all(isinstance(r, Mapping) for r in obj):
        return history_from_rows(obj)
    return None


def history_from_rows(rows):
    """Columns from per-epoch rows; a metric missing in some epoch reads as None there."""
    keys = []
    seen = set()
    for row in rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                keys.append(key)
    return {key: [row.get(key) for row in rows] for key in keys}


def _is_columns(mapping):
    return bool(mapping) and all(isinstance(v, _SEQUENCES) or _is_array(v)
                                 for v in mapping.values())


def _columns(mapping):
    return {str(k): list(v.tolist() if _is_array(v) else v) for k, v in mapping.items()}


def _is_array(value):
    return hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1


def _is_number(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if hasattr(value, "item") and hasattr(value, "dtype"):  # numpy / torch scalar
        shape = getattr(value, "shape", ())
        return all(d == 1 for d in tuple(shape))
    return False


def pick_objective(metric, mode, result, history):
    """The objective as a finite float (or None when no metric is configured).

    ``mode`` ``last`` prefers the returned dict's value and falls back to the last
    epoch of the history; ``min``/``max`` prefer the history (the best epoch is the
    point of those modes) and fall back to the dict. A result key ``objective`` is
    the last resort, so ``return {"objective": x}`` works with any metric name.
    """
    if metric is None:
        value = result.get("objective")
        return None if value is None else finite(value, "objective")
    in_history = history is not None and metric in history
    if mode != "last" and in_history:
        return _from_series(metric, mode, history[metric])
    if metric in result:
        value = result[metric]
        if isinstance(value, _SEQUENCES) or _is_array(value):
            return _from_series(metric, mode, list(value))
        return finite(value, metric)
    if in_history:
        return _from_series(metric, mode, history[metric])
    if "objective" in result:
        return finite(result["objective"], "objective")
    keys = ", ".join(str(k) for k in result if k != "history") or "none"
    where = f"keys: {keys}"
    if history:
        where += "; history: " + ", ".join(str(k) for k in history)
    raise TaskFailure(f"objective '{metric}' missing from the result ({where})")


def finite(value, name):
    """``float(value)``, or TaskFailure naming the metric when it is not a finite number."""
    if value is None:
        raise TaskFailure(f"objective '{name}' is null")
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError):
        text = repr(value)
        text = text if len(text) <= 80 else text[:77] + "..."
        raise TaskFailure(f"objective '{name}' is not a number: {text}") from None
    if math.isnan(number):
        raise TaskFailure(f"objective '{name}' is NaN")
    if math.isinf(number):
        raise TaskFailure(f"objective '{name}' is {'inf' if number > 0 else '-inf'}")
    return number


def _from_series(name, mode, values):
    present = [v for v in values if v is not None]
    if not present:
        raise TaskFailure(f"objective '{name}' missing from the result (its history is empty)")
    if mode == "last":
        return finite(values[-1], name)
    numbers = []
    for value in present:
        try:
            numbers.append(finite(value, name))
        except TaskFailure:
            continue
    if not numbers:
        finite(present[-1], name)  # raises with the precise reason (NaN, inf, not a number)
    return min(numbers) if mode == "min" else max(numbers)
