"""From what a model returned to (objective, result dict, history).

Models answer in several dialects: a dict of metrics, a bare number, a Keras
``History`` (``.history`` is a dict of per-epoch lists), a dict of lists, or
nothing at all after streaming their epochs through ``ctx.report``. This module
adapts them to one shape and picks the objective. A NaN, infinite or missing
objective is a failed evaluation with a message that says which, because an
optimizer fed a silent NaN learns garbage.

The objective itself is picked by the one rule every model kind follows,
``core::pick_objective`` (supervisor/core/json_util.hpp), which ``pick_objective``
calls through its C library (objective_rule.py); tests/data/objective_cases.json
holds the cases every path is tested on.
"""
from collections.abc import Mapping

from . import objective_rule
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


def pick_objective(metric, mode, result, history, result_text=None):
    """The objective as a finite float (or None when no metric is configured); TaskFailure with the
    reason (NaN, inf, missing, ...) when there is none.

    The rule is core::pick_objective's (objective_rule.py calls it): ``mode`` ``last`` prefers the
    returned dict's value and falls back to the last epoch of the history; ``min``/``max`` prefer the
    history and fall back to the dict; a result key ``objective`` is the last resort. ``history`` is the
    adapted history (adapt_output), which is what the rule reads as ``result["history"]``.
    ``result_text``, when given, is ``result`` as clean JSON text (jsonsafe.dumps_clean), which the rule
    then reads as it is instead of writing the result again.
    """
    if metric is None:  # no objective required (run_model(metric=None)); one given must still be finite
        value = result.get("objective")
        return None if value is None else finite(value, "objective")
    answer = result
    if history is not None and result.get("history") is not history:
        answer = dict(result, history=history)
    elif history is None and "history" in result:  # a history that did not adapt is not one
        answer = {k: v for k, v in result.items() if k != "history"}
    if answer is result and result_text is not None:
        return objective_rule.pick_text(result_text, metric, mode)
    return objective_rule.pick(answer, metric, mode)


def finite(value, name):
    """``value`` (a model's bare number, say) as a finite float, or TaskFailure naming the metric."""
    return objective_rule.pick(value, name, "last")
