"""The C++ <-> Python contract of a worker's resident interpreter.

The C++ worker imports this module once, calls :func:`configure` once, then
:func:`run_task` for every task it is given::

    configure('{"tasks_dir": "/abs/runs/x/tasks", "rank": 3, "host": "node1",
                "models": [{"name": "model", "kind": "python", "entry": "pkg.mod:func",
                            "defaults": {}, "python_path": [], "task_files": true,
                            "objective": {"metric": "val_loss", "goal": "minimize",
                                          "mode": "last"}, "timeout": 0}],
                "preload": ["numpy"], "objective_library": "/abs/lib/libsv_objective.so"}')
    ok, objective, result_json, error = run_task(0, 17, "1.2", 0, '{"x": 1}')

``configure`` raises on a bad configuration (the C++ side reports it and the
worker does not start); ``run_task`` never raises. ``objective_library`` is the
objective rule's C library (objective_rule.py), loaded here so a worker that
cannot load it fails at start, not at every task. A worker holds one
configuration at a time; calling ``configure`` again replaces it.
"""
import importlib
import json
import os
import sys

from . import objective_rule
from .errors import first_line
from .progress import find_bridge
from .runner import ModelSlot

__all__ = ["configure", "run_task", "worker_state", "models"]

_slots = []
_worker_state = {}


class _NotPython:
    """A slot for an R/app model: the C++ side runs those itself, so a call here is a bug."""

    def __init__(self, index, spec):
        self.name = str(spec.get("name") or f"model{index}")
        self.kind = spec.get("kind")

    def run(self, task_id, node_id, attempt, params_json):
        return (False, None, "{}",
                f"model '{self.name}' is kind {self.kind!r}; the Python shell runs only "
                "kind 'python'")


def configure(config_json):
    """Set this worker up: sys.path, preloaded modules, the models it may run.

    Raises ImportError naming the module when a preload module or a model entry
    cannot be imported, ValueError for a malformed configuration.
    """
    config = json.loads(config_json) if isinstance(config_json, str) else dict(config_json)
    if not isinstance(config, dict):
        raise ValueError("configure(): the configuration must be a JSON object")
    models = config.get("models") or []
    if not isinstance(models, list):
        raise ValueError("configure(): 'models' must be a list")
    if config.get("objective_library"):
        objective_rule.use_library(config["objective_library"])
    _prepend_paths(config.get("python_path") or [])
    for spec in models:
        if isinstance(spec, dict):
            _prepend_paths(spec.get("python_path") or [])
    for name in config.get("preload") or []:
        _preload(name)
    bridge = find_bridge()
    objective_rule.use_embedded(bridge)
    # The folder of the task directories, named by the C++ side (core/run_dir.hpp), not rebuilt here.
    tasks_dir = config.get("tasks_dir")
    tasks_dir = os.path.abspath(tasks_dir) if tasks_dir else None
    slots = []
    for index, spec in enumerate(models):
        if not isinstance(spec, dict):
            raise ValueError(f"configure(): models[{index}] must be an object")
        if spec.get("kind", "python") != "python":
            slots.append(_NotPython(index, spec))
            continue
        slots.append(ModelSlot(spec, index, tasks_dir=tasks_dir, rank=int(config.get("rank", 0)),
                               host=str(config.get("host", "")), worker_state=_worker_state,
                               bridge=bridge))
    _slots[:] = slots


def run_task(model_index, task_id, node_id, attempt, params_json):
    """Run one task; returns ``(ok, objective, result_json, error)``. Never raises.

    ``error`` is "" on success, else one line, a blank line, and the traceback
    when there is one. ``objective`` is a float or None.
    """
    try:
        slot = _slots[model_index]
    except (IndexError, TypeError):
        return (False, None, "{}",
                f"model index {model_index!r} is not configured ({len(_slots)} model(s); "
                "was configure() called?)")
    try:
        return slot.run(task_id, node_id, attempt, params_json)
    except BaseException as exc:  # noqa: BLE001 - the last line of defence
        try:
            return (False, None, "{}", f"internal error in model_runner: "
                    f"{type(exc).__name__}: {first_line(exc)}")
        except BaseException:  # noqa: BLE001
            return (False, None, "{}", "internal error in model_runner")


def worker_state():
    """The dict that lives across this worker's tasks (what ``ctx.worker_state`` is)."""
    return _worker_state


def models():
    """The configured model slots, in configure() order (for tools and tests)."""
    return list(_slots)


def _prepend_paths(paths):
    if isinstance(paths, str):
        paths = [paths]
    for path in reversed([os.path.abspath(p) for p in paths]):
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)


def _preload(name):
    try:
        importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(f"preload module '{name}' could not be imported: {exc}") from exc
    except Exception as exc:
        raise RuntimeError(f"preload module '{name}' failed while importing: "
                           f"{type(exc).__name__}: {first_line(exc)}") from exc
