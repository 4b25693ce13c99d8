"""``ctx``: what a running model can ask of the supervisor.

One Context is made per task (only for models whose ``run`` takes two
arguments). It is deliberately cheap to build: directories are created on first
use, the resume checkpoint is looked up only when asked for, and progress goes
through a bridge chosen once per worker (see :mod:`model_runner.progress`).
"""
import os
import random
import sys
import tempfile
import time
import zlib
from collections.abc import Mapping

from . import checkpoints
from .files import task_dir_for
from .jsonsafe import dumps, to_jsonable
from .progress import NULL_BRIDGE

__all__ = ["Context", "WEIGHTS_KEEP"]

# How many tasks' weights a worker keeps in memory for hand-off to children; a workflow can
# change it through worker_state["weights_keep"] or a task's params["_weights_keep"]. Older ones
# are still on disk.
WEIGHTS_KEEP = 4

_UNSET = object()


class Context:
    """Per-task handle: progress, stop requests, task files, checkpoints, weights.

    Attributes: ``params`` (merged parameters), ``task_id``, ``node_id``, ``attempt``,
    ``rank``, ``host``, ``model_name``, ``worker_state`` (a dict living across the
    worker's tasks), ``history`` (the rows given to :meth:`report`, oldest first),
    ``weights_path`` (set by :meth:`save_weights`), ``weights_source`` (how
    :attr:`initial_weights` found them: "memory", "file", "given" or "none"; None until asked).
    """

    __slots__ = ("params", "task_id", "node_id", "attempt", "rank", "host", "model_name",
                 "worker_state", "history", "weights_path", "last_checkpoint", "stop_seen",
                 "timed_out", "weights_source", "_initial", "_bridge", "_task_dir", "_tasks_dir",
                 "_dir_ready", "_stop", "_deadline")

    def __init__(self, params=None, *, task_id=0, node_id="0", attempt=0, task_dir=None,
                 worker_state=None, bridge=None, stop=None, deadline=None, rank=0, host="",
                 model_name="model", tasks_dir=None):
        """``task_dir`` None means ``<tasks_dir>/<node>`` when ``tasks_dir`` is given, else
        a fresh temporary folder; either way it is made only if the model needs it.
        ``stop`` is an extra zero-argument callable consulted by :meth:`should_stop`
        (tests use it to interrupt a training); ``deadline`` is a ``time.monotonic()``
        value after which the task is asked to stop (the model's ``timeout``).
        """
        self.params = {} if params is None else params
        self.task_id = task_id
        self.node_id = node_id
        self.attempt = attempt
        self.rank = rank
        self.host = host
        self.model_name = model_name
        self.worker_state = {} if worker_state is None else worker_state
        self.history = []
        self.weights_path = None
        self.last_checkpoint = None
        self.stop_seen = False
        self.timed_out = False
        self.weights_source = None
        self._initial = _UNSET
        self._bridge = NULL_BRIDGE if bridge is None else bridge
        if task_dir is not None:
            task_dir = os.fspath(task_dir)
            if not os.path.isabs(task_dir):
                task_dir = os.path.abspath(task_dir)
        self._task_dir = task_dir
        self._tasks_dir = tasks_dir  # absolute (configure()); the path is built on first use
        self._dir_ready = False
        self._stop = stop
        self._deadline = deadline

    # -- progress -------------------------------------------------------------------------

    def report(self, epoch, **metrics):
        """Record one epoch's metrics and stream them to rank 0 (a per-epoch metrics row).

        Tensor and numpy scalars are turned into Python numbers first, so the kept
        history holds no autograd graph; a NaN stays NaN here (the objective check
        must see it) and is sent as null.
        """
        row = {"epoch": _plain(epoch)}
        for key, value in metrics.items():
            row[key] = _plain(value)
        self.history.append(row)
        if self._bridge is not NULL_BRIDGE:
            self._bridge.report(self.task_id, dumps(row))
        return row

    @property
    def reports(self):
        """Same list as :attr:`history` (what tests inspect outside the supervisor)."""
        return self.history

    def should_stop(self):
        """True when the supervisor wants this task to checkpoint and return.

        Reasons: the allocation's walltime is near (rank 0 drains), the server's
        pruner stopped this task, the model's timeout passed, or a test's ``stop``
        hook fired. A model that sees True should save a checkpoint and return;
        the task is then recorded as interrupted, not done, and resumes from that
        checkpoint (or, when a pruner stopped it, as pruned, for good).
        """
        if (self._stop is not None and self._stop()) or self._bridge.should_stop():
            self.stop_seen = True
        elif self._deadline is not None and time.monotonic() > self._deadline:
            self.timed_out = self.stop_seen = True
        return self.stop_seen

    # -- files ----------------------------------------------------------------------------

    def _planned_dir(self):
        if self._task_dir is None and self._tasks_dir is not None:
            self._task_dir = task_dir_for(self._tasks_dir, self.node_id)
        return self._task_dir

    @property
    def task_dir(self):
        """``runs/<run>/tasks/<node>/``, created on first access."""
        if self._planned_dir() is None:
            self._task_dir = tempfile.mkdtemp(prefix="model_runner-task-")
            self._dir_ready = True
        elif not self._dir_ready:
            os.makedirs(self._task_dir, exist_ok=True)
            self._dir_ready = True
        return self._task_dir

    @property
    def checkpoint_dir(self):
        """``task_dir/checkpoints``, created on first access."""
        path = os.path.join(self.task_dir, "checkpoints")
        os.makedirs(path, exist_ok=True)
        return path

    def _existing_checkpoint_dir(self):
        folder = self._planned_dir()
        return None if folder is None else os.path.join(folder, "checkpoints")

    @property
    def resume_from(self):
        """Path of the newest epoch checkpoint left by an earlier, interrupted run of
        this node, or None. Looking creates nothing."""
        folder = self._existing_checkpoint_dir()
        return None if folder is None else checkpoints.latest_checkpoint(folder)

    def save_checkpoint(self, epoch, state, keep=2):
        """Write ``checkpoint_dir/epoch-NNNN.pt`` atomically (keeping the ``keep`` newest);
        returns its path. ``state`` is anything torch.save takes (state dicts, RNG states)."""
        self.last_checkpoint = checkpoints.save_checkpoint(self.checkpoint_dir, epoch, state, keep)
        return self.last_checkpoint

    def load_checkpoint(self):
        """``(epoch, state)`` from the newest checkpoint, or None."""
        folder = self._existing_checkpoint_dir()
        return None if folder is None else checkpoints.load_checkpoint(folder)

    # -- weights hand-off -----------------------------------------------------------------

    @property
    def initial_weights(self):
        """The weights this task should start from (sublearning), or None.

        Sources, first match wins: params ``_parent`` naming a node whose weights this
        worker still holds in memory; params ``_initial_weights`` naming a path this
        worker saved (the in-memory object is returned instead of re-reading it);
        ``_initial_weights`` itself (a path, or an object when called in-process).
        The answer is fixed at the first look, and :attr:`weights_source` says which it was.
        """
        if self._initial is not _UNSET:
            return self._initial
        params = self.params
        store = self.worker_state.get("weights")
        parent = params.get("_parent")
        given = params.get("_initial_weights")
        node = None
        if store and parent is not None and str(parent) in store:
            node = str(parent)
        elif store and isinstance(given, str):
            node = self.worker_state.get("weight_paths", {}).get(os.path.abspath(given))
            node = node if node in store else None
        if node is not None:
            self._initial, self.weights_source = store[node], "memory"
            self._used_weights(node)
        elif given is None:
            self._initial, self.weights_source = None, "none"
        else:
            self._initial = given
            self.weights_source = "file" if isinstance(given, (str, os.PathLike)) else "given"
        return self._initial

    def _used_weights(self, node):
        """A child started from ``node``'s weights in memory: once the children it was saved
        for (params ``_children``) have all done so, the memory is given back."""
        uses = self.worker_state.setdefault("weight_uses", {})
        if node not in uses:
            return
        uses[node] -= 1
        if uses[node] <= 0:
            self._forget_weights(node)

    def save_weights(self, obj_or_path):
        """Save the task's final weights; returns their path.

        An object is torch.saved to ``task_dir/weights.pt`` (a module is saved as its
        state dict); a path is only recorded. Either way the weights are kept in
        ``worker_state["weights"][node_id]`` so a child task on this worker can start
        from them without reading the file (a detached copy, so later training of the
        same model does not change them).
        """
        if isinstance(obj_or_path, (str, os.PathLike)):
            path = os.path.abspath(os.fspath(obj_or_path))
            kept = path
        else:
            obj = obj_or_path
            if callable(getattr(obj, "state_dict", None)):
                obj = obj.state_dict()
            path = os.path.join(self.task_dir, "weights.pt")
            checkpoints.save_object(obj, path)
            kept = None if self.params.get("_children") == 0 else _detached(obj)
        self.weights_path = path
        self._keep_weights(kept, path)
        return path

    def _keep_weights(self, value, path):
        # params "_children" (sublearning, dag): how many children will start from these weights;
        # 0 keeps none in memory, N keeps them until N children here took them (or they age out).
        state = self.worker_state
        store = state.setdefault("weights", {})
        paths = state.setdefault("weight_paths", {})
        node = str(self.node_id)
        self._forget_weights(node)
        children = self.params.get("_children")
        if children == 0:
            return
        store[node] = value
        paths[path] = node
        if isinstance(children, int) and children > 0:
            state.setdefault("weight_uses", {})[node] = children
        keep = self.params.get("_weights_keep") or state.get("weights_keep", WEIGHTS_KEEP)
        keep = max(1, int(keep))
        while len(store) > keep:
            self._forget_weights(next(iter(store)))

    def _forget_weights(self, node):
        state = self.worker_state
        state.get("weights", {}).pop(node, None)
        state.get("weight_uses", {}).pop(node, None)
        paths = state.get("weight_paths", {})
        for stale in [p for p, n in paths.items() if n == node]:
            del paths[stale]

    # -- reproducibility ------------------------------------------------------------------

    def seed(self, value=None):
        """Seed Python's ``random`` and, when loaded, numpy and torch; returns the seed.

        The seed is ``value``, else ``params["seed"]``, else a stable hash of the node
        id, so a re-run of the same node draws the same numbers.
        """
        if value is None:
            value = self.params.get("seed")
        if value is None:
            value = zlib.crc32(str(self.node_id).encode())
        value = int(value)
        random.seed(value)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed(value % (2 ** 32))
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.manual_seed(value)
        return value

    def __repr__(self):
        return (f"Context(model={self.model_name!r}, node_id={self.node_id!r}, "
                f"task_id={self.task_id}, attempt={self.attempt})")


def _plain(value):
    """A Python scalar for numpy/torch scalars; other values JSON-safe (NaN kept)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    item = getattr(value, "item", None)
    if item is not None:
        try:
            return item()
        except (ValueError, RuntimeError, TypeError):
            pass
    return to_jsonable(value)


def _detached(obj):
    if isinstance(obj, Mapping):
        return {k: (v.detach().clone() if hasattr(v, "detach") else v) for k, v in obj.items()}
    return obj

