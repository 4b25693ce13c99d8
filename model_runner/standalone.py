"""Running one model outside the supervisor: for users debugging a model, and for tests.

Same code path as a worker task (a :class:`~model_runner.runner.ModelSlot`), so
what works here works under ``supervisor run``; only the task directory differs
(the one given, or a temporary one made on first use).
"""
import json
from typing import NamedTuple, Optional

from .progress import find_bridge
from .runner import ModelSlot

__all__ = ["TaskOutcome", "run_model"]


class TaskOutcome(NamedTuple):
    """``run_task``'s answer with the result parsed: ok, objective, result (dict), error."""

    ok: bool
    objective: Optional[float]
    result: dict
    error: str


def run_model(entry, params=None, *, task_dir=None, task_files=None, defaults=None,
              metric="val_loss", mode="last", timeout=0, node_id="standalone", task_id=0,
              attempt=0, worker_state=None, name="model"):
    """Run ``entry`` (``"pkg.mod:func"`` or a callable) once with ``params``.

    ``task_files`` defaults to True exactly when ``task_dir`` is given. ``metric``
    None means no objective is required. Share one ``worker_state`` dict between
    calls to exercise in-memory weights hand-off as a worker would.
    """
    spec = {"name": name, "entry": entry, "defaults": defaults or {},
            "objective": None if metric is None else {"metric": metric, "mode": mode},
            "task_files": task_dir is not None if task_files is None else task_files,
            "timeout": timeout}
    slot = ModelSlot(spec, worker_state=worker_state, bridge=find_bridge())
    ok, objective, result_json, error = slot.run(task_id, node_id, attempt,
                                                 dict(params or {}), task_dir=task_dir)
    return TaskOutcome(ok, objective, json.loads(result_json), error)
