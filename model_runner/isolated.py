"""The isolated shell's child: a resident Python process that runs tasks for one worker rank.

With ``resources.shell: isolated`` a worker does not embed Python; it starts this module once, as
``PYTHON -m model_runner.isolated``, and feeds it tasks over a pipe. A segfault, ``os._exit`` or an
out-of-memory kill in model code then ends this process, not the MPI job: the worker records that one
attempt as failed and starts a new child. It also lets a site use a Python other than the one the
supervisor links (a conda or venv interpreter that has model_runner on its path).

Protocol (fd 3: requests in, fd 4: frames out; stdout/stderr stay the model's): each frame is a 4-byte
little-endian length and a JSON text.
  in:  ["configure", config_json]            -> out: ["configured"] or ["error", text]
  in:  ["task", model, task_id, node_id, attempt, params_json]
                                             -> out: ["progress", task_id, payload_json]* then
                                                     ["result", ok, objective, result_json, error]
SIGUSR1 asks the running model to stop (ctx.should_stop() turns true), as a walltime drain does; so do
SIGTERM and SIGINT, which a scheduler or a Ctrl-C sends to every process of the job: the job drains, this
process does not die. SIGUSR2 asks the running task only to stop (a pruner stopped it): it is forgotten
when the next task starts. Processes a model left behind are ended by the worker after each task (it adopts
orphans as a subreaper); this process only collects the exit status of its own.
"""
import json
import math
import os
import signal
import struct
import sys
import types

REQUESTS_FD = 3
FRAMES_FD = 4


class _Pipe:
    def __init__(self):
        self._in = os.fdopen(REQUESTS_FD, "rb", buffering=0)
        self._out = os.fdopen(FRAMES_FD, "wb", buffering=0)

    def read(self):
        head = self._read_exactly(4)
        if head is None:
            return None
        (size,) = struct.unpack("<I", head)
        body = self._read_exactly(size)
        return None if body is None else json.loads(body)

    def write(self, frame):
        data = json.dumps(frame).encode()
        self._out.write(struct.pack("<I", len(data)) + data)

    def _read_exactly(self, n):
        chunks = []
        while n:
            chunk = self._in.read(n)
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


def _install_bridge(pipe, stop):
    """A ``_supervisor`` module for model_runner.progress.find_bridge(): progress goes to the worker."""
    bridge = types.ModuleType("_supervisor")
    bridge.report = lambda task_id, payload: pipe.write(["progress", task_id, payload])
    bridge.should_stop = lambda: stop["flag"] or stop["task"]
    sys.modules["_supervisor"] = bridge


def _reap_children():
    """Collect children that ended (the worker ends a task's leftovers; their zombies are ours)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main():
    pipe = _Pipe()
    stop = {"flag": False, "task": False}  # the job drains / the running task was pruned
    for sig in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.update(flag=True))
    signal.signal(signal.SIGUSR2, lambda *_: stop.update(task=True))
    _install_bridge(pipe, stop)
    from . import shell  # after the bridge, so configure() finds it

    while True:
        request = pipe.read()
        if request is None:  # the worker closed the pipe: the job is over
            return 0
        kind = request[0]
        if kind == "configure":
            try:
                shell.configure(request[1])
            except BaseException as exc:  # noqa: BLE001 - reported to the worker, which stops the job
                pipe.write(["error", f"{type(exc).__name__}: {exc}"])
                continue
            pipe.write(["configured"])
        elif kind == "task":
            _, model, task_id, node_id, attempt, params = request
            _reap_children()
            stop["task"] = False  # a SIGUSR2 for the last task ran its handler before this read returned
            ok, objective, result, error = shell.run_task(model, task_id, node_id, attempt, params)
            if objective is not None and not math.isfinite(objective):
                objective = None  # JSON has no NaN; the worker reads a missing objective the same way
            pipe.write(["result", ok, objective, result, error])
        else:
            pipe.write(["error", f"unknown request {kind!r}"])


if __name__ == "__main__":
    sys.exit(main())
