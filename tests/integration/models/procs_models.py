"""Models for the process and signal tests: children that outlive their model, output from every layer,
models that stop when asked and models that do not."""
import ctypes
import os
import pathlib
import subprocess
import sys
import time


def leaves_children(params):
    """Starts a child and a double-forked daemon (its own session) that would sleep for 10 minutes, writes
    their pids to `marker_dir`, and returns at once."""
    marker = pathlib.Path(params["marker_dir"])
    child = subprocess.Popen(["/bin/sleep", "600"])
    daemon_pid_file = marker / f"daemon-{params['x']}"
    if os.fork() == 0:  # the intermediate: starts the daemon and leaves it an orphan
        os.setsid()
        daemon = subprocess.Popen(["/bin/sleep", "601"])
        daemon_pid_file.write_text(str(daemon.pid))
        os._exit(0)
    while not daemon_pid_file.exists():
        time.sleep(0.01)
    (marker / f"child-{params['x']}").write_text(str(child.pid))
    return {"val_loss": float(params["x"])}


def prints_everywhere(params):
    """Writes one marked line through each layer: print, the fd itself, C stdio, a child process, stderr."""
    tag = f"task-{params['x']}"
    print(f"{tag} python print")
    os.write(1, f"{tag} raw fd write\n".encode())
    ctypes.CDLL(None).printf(f"{tag} C printf\n".encode())
    subprocess.run(["/bin/echo", f"{tag} child process"], check=True)
    print(f"{tag} python stderr", file=sys.stderr)
    return {"val_loss": float(params["x"])}


def _released(params):
    """The test's word that tasks may finish now: a `release` file in `marker_dir`."""
    return (pathlib.Path(params["marker_dir"]) / "release").exists()


def until_stopped(params, ctx):
    """Runs until ctx.should_stop() (a checkpoint each step), then returns as interrupted; once resumed from
    its checkpoint, or released, it finishes at once."""
    if ctx.load_checkpoint():
        return {"val_loss": float(params["x"]), "resumed": True}
    step = 0
    while not ctx.should_stop() and not _released(params):
        step += 1
        time.sleep(0.05)
        ctx.save_checkpoint(step, {"step": step})
        ctx.report(step, loss=1.0 / step)
    return {"val_loss": float(params["x"]), "steps": step}


def ignores_stop_once(params):
    """The first attempt sleeps in one C call for 10 minutes, never asking should_stop(); the next one
    (marker file in `marker_dir`), or any once released, returns at once."""
    marker = pathlib.Path(params["marker_dir"]) / f"started-{params['x']}"
    if not marker.exists() and not _released(params):
        marker.write_text(str(os.getpid()))
        time.sleep(600)
    return {"val_loss": float(params["x"])}


def always_fails(params):
    raise RuntimeError(f"model refuses x={params['x']}")
