"""One configured model and the run of one task: the body of ``shell.run_task``.

Everything that can be decided once (the callable, how to call it, merged
defaults, objective settings) is decided in ``ModelSlot.__init__``. ``run`` is
the hot path: parse the tuple, merge, call, adapt the answer, pick the objective,
serialize. With ``task_files`` off it touches no file system at all.
"""
import json
import os
import time

from .context import Context
from .errors import TaskFailure, describe_exception
from .files import task_dir_for, write_json
from .jsonsafe import dumps, dumps_clean, to_jsonable
from .loader import call_arity, load_entry, module_defaults
from .objective import MODES, adapt_output, finite, history_from_rows, pick_objective
from .params import merge_params
from .progress import NULL_BRIDGE
from .task_output import TaskOutput

__all__ = ["ModelSlot", "DEFAULT_OBJECTIVE"]

DEFAULT_OBJECTIVE = {"metric": "val_loss", "goal": "minimize", "mode": "last"}


class ModelSlot:
    """A model as configured for this worker; ``run`` executes one task of it."""

    def __init__(self, spec, index=0, *, tasks_dir=None, rank=0, host="", worker_state=None,
                 bridge=None):
        """``spec`` is one entry of the configure() ``models`` list (``entry`` may also be
        a callable when used in-process). Raises with a clear message on a bad spec."""
        self.index = index
        self.name = str(spec.get("name") or f"model{index}")
        self.entry = spec.get("entry")
        if not self.entry:
            raise ValueError(f"model {index} ({self.name!r}) has no entry")
        self.func, module = load_entry(self.entry)
        self.arity = call_arity(self.func)
        defaults = spec.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise ValueError(f"model {self.name!r}: defaults must be an object")
        self.defaults = merge_params(module_defaults(module, self.func), defaults)
        objective = spec.get("objective", DEFAULT_OBJECTIVE)
        if objective is None:  # explicitly no objective: a task only has to succeed
            objective = {"metric": None}
        self.metric = objective.get("metric", "val_loss")
        self.mode = objective.get("mode") or "last"
        if self.mode not in MODES:
            raise ValueError(f"model {self.name!r}: objective mode {self.mode!r} "
                             f"is not one of {', '.join(MODES)}")
        self.task_files = bool(spec.get("task_files", True))
        self.timeout = float(spec.get("timeout") or 0)
        self.tasks_dir = tasks_dir
        self.rank = rank
        self.host = host
        self.worker_state = {} if worker_state is None else worker_state
        self.bridge = NULL_BRIDGE if bridge is None else bridge

    def run(self, task_id, node_id, attempt, params_json, task_dir=None):
        """Run one task; returns ``(ok, objective, result_json, error)`` and never raises
        for anything the model or its parameters do."""
        ctx = None
        folder = None
        try:
            params = self._params(params_json)
            if self.task_files:
                if task_dir is None and self.tasks_dir is not None:
                    task_dir = task_dir_for(self.tasks_dir, node_id)
                folder = task_dir
                if folder is not None:
                    os.makedirs(folder, exist_ok=True)
                    write_json(os.path.join(folder, "params.json"),
                               json.dumps(to_jsonable(params), indent=1))
        except TaskFailure as exc:
            return self._failed(str(exc), None, None, {})
        except BaseException as exc:  # noqa: BLE001 - run_task must never raise
            return self._failed(describe_exception(exc, self._where(node_id, task_id)),
                                None, None, {})
        started = time.monotonic()
        output = TaskOutput(folder) if folder is not None else None
        try:
            if output is not None:
                output.__enter__()  # the model's prints, C extensions' and children's: tasks/<node>/*.log
            if self.arity == 2:
                ctx = Context(params, task_id=task_id, node_id=node_id, attempt=attempt,
                              task_dir=task_dir, worker_state=self.worker_state,
                              bridge=self.bridge, rank=self.rank, host=self.host,
                              model_name=self.name, tasks_dir=self.tasks_dir,
                              deadline=started + self.timeout if self.timeout > 0 else None)
                out = self.func(params, ctx)
            elif self.arity == 1:
                out = self.func(params)
            else:
                out = self.func()
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit from a model
            partial = self._partial(ctx)
            return self._failed(describe_exception(exc, self._where(node_id, task_id)),
                                ctx, folder, partial)
        finally:
            if output is not None and output.saved is not None:
                output.__exit__(None, None, None)
        try:
            return self._finish(out, ctx, folder, started)
        except TaskFailure as exc:
            return self._failed(str(exc), ctx, folder, self._partial(ctx))
        except BaseException as exc:  # noqa: BLE001
            return self._failed(describe_exception(exc, self._where(node_id, task_id)),
                                ctx, folder, self._partial(ctx))

    # -- steps ----------------------------------------------------------------------------

    def _params(self, params_json):
        if isinstance(params_json, dict):
            params = dict(params_json)
        else:
            try:
                params = json.loads(params_json) if params_json else {}
            except ValueError as exc:
                raise TaskFailure(f"task parameters are not valid JSON: {exc}") from None
            if type(params) is not dict:
                raise TaskFailure("task parameters must be a JSON object, "
                                  f"not {type(params).__name__}")
        return merge_params(self.defaults, params) if self.defaults else params

    def _finish(self, out, ctx, folder, started):
        result, history, number = adapt_output(out)
        extras = None
        if ctx is not None:
            if history is None and ctx.history:
                history = history_from_rows(ctx.history)
            extras = self._artifacts(ctx)
        if history is not None and "history" not in result:
            result = dict(result)
            result["history"] = history
        if extras:
            result = dict(result)
            result["artifacts"] = extras
        if ctx is not None and ctx.weights_source is not None:
            result = dict(result)
            result["weights_source"] = ctx.weights_source  # memory | file | given | none
        stopped = ctx is not None and ctx.stop_seen
        if stopped or (self.timeout > 0 and time.monotonic() - started > self.timeout):
            result = dict(result)
            result["interrupted"] = True
            return self._failed(self._stopped_message(ctx, started), ctx, folder, result)
        text, clean = dumps_clean(result)
        try:
            if number is not None:
                objective = finite(number, self.metric or "objective")
            else:
                objective = pick_objective(self.metric, self.mode, result, history,
                                           text if clean else None)
        except TaskFailure as exc:
            return self._failed(str(exc), ctx, folder, result)
        if folder is not None:
            write_json(os.path.join(folder, "result.json"), text)
        return True, objective, text, ""

    def _stopped_message(self, ctx, started):
        elapsed = time.monotonic() - started
        if ctx is None or ctx.timed_out or not ctx.stop_seen:
            return f"timed out after {elapsed:.1f} s (model timeout {self.timeout:g} s)"
        where = f" at epoch {ctx.history[-1].get('epoch')}" if ctx.history else ""
        saved = " from its last checkpoint" if ctx.last_checkpoint else ""
        return f"interrupted{where}: the supervisor asked the task to stop; it can resume{saved}"

    @staticmethod
    def _artifacts(ctx):
        extras = {}
        if ctx.weights_path:
            extras["weights"] = ctx.weights_path
        if ctx.last_checkpoint:
            extras["checkpoint"] = ctx.last_checkpoint
        return extras

    def _partial(self, ctx):
        """What a failed task still tells: its reported epochs and saved files."""
        if ctx is None:
            return {}
        partial = {}
        if ctx.history:
            partial["history"] = history_from_rows(ctx.history)
        extras = self._artifacts(ctx)
        if extras:
            partial["artifacts"] = extras
        if ctx.stop_seen:
            partial["interrupted"] = True
        return partial

    def _failed(self, error, ctx, folder, partial):
        try:
            text = dumps(partial)
        except BaseException:  # noqa: BLE001
            text = "{}"
        if folder is not None:
            try:
                with open(os.path.join(folder, "error.txt"), "w", encoding="utf-8") as fh:
                    fh.write(error + "\n")
            except OSError:
                pass
        return False, None, text, error

    def _where(self, node_id, task_id):
        return f"model '{self.name}', node {node_id}, task {task_id}"
