"""Small models for the integration tests: each pins down one behaviour of the shells."""
import time


def epochs(params, ctx):
    """Reports `epochs` epochs, sleeping a little in each, so metric rows exist before the task ends."""
    loss = 1.0
    for epoch in range(1, int(params.get("epochs", 3)) + 1):
        time.sleep(float(params.get("epoch_sleep", 0.02)))
        loss *= 0.5
        ctx.report(epoch, loss=loss, val_loss=loss + float(params.get("x", 0)))
    return {"val_loss": loss + float(params.get("x", 0))}


def fails_on_three(params):
    """Raises for x == 3: that task fails with its traceback, the worker lives on."""
    if params["x"] == 3:
        raise ValueError("x may not be 3")
    return params["x"] * 1.5


def crashes_on_three(params):
    """Segfaults the Python process for x == 3 (isolated shells must survive it)."""
    if params["x"] == 3:
        import ctypes
        ctypes.string_at(0)  # reads address 0: SIGSEGV
    return float(params["x"])


def sleeps(params):
    """Sleeps in C (time.sleep) for `seconds`: a task a hard timeout has to stop."""
    import time
    time.sleep(float(params.get("seconds", 30)))
    return 0.0


def checkpointed(params, ctx):
    """Epochs of `epoch_sleep` seconds with a checkpoint after each; stops when asked and resumes from the
    newest checkpoint, reporting the epoch it started from."""
    saved = ctx.load_checkpoint()
    first = saved[0] + 1 if saved else 1
    epoch = first - 1
    for epoch in range(first, int(params["epochs"]) + 1):
        if ctx.should_stop():
            break
        time.sleep(float(params["epoch_sleep"]))
        ctx.save_checkpoint(epoch, {"epoch": epoch})
        ctx.report(epoch, loss=1.0 / epoch)
    return {"val_loss": 1.0 / max(epoch, 1), "resumed_at": first}


def spins(params):
    """A pure-Python loop that never checks ctx.should_stop(): only an interrupt can stop it."""
    import time
    end = time.monotonic() + float(params.get("seconds", 60))
    n = 0
    while time.monotonic() < end:
        n += 1
    return {"val_loss": 0.0, "n": n}


def freezes_once_on_three(params):
    """x == 3 stops its whole worker process (SIGSTOP: every thread, heartbeats too) the first time, as a
    hung node would; marker files (in `marker_dir`) make the second attempt, elsewhere, succeed."""
    import os
    import pathlib
    import signal
    import time
    x = params["x"]
    marker = pathlib.Path(params["marker_dir"]) / f"froze-{x}"
    if x == 3 and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGSTOP)
    time.sleep(0.2)
    return {"val_loss": float(x)}


def stuck_once_on_three(params):
    """x == 3 blocks in one long C call (time.sleep releases the GIL but a pending TimeoutError is only seen
    when it returns) the first time; marker files make the retry, on another worker, succeed."""
    import pathlib
    import time
    x = params["x"]
    marker = pathlib.Path(params["marker_dir"]) / f"stuck-{x}"
    if x == 3 and not marker.exists():
        marker.write_text("stuck")
        time.sleep(600)
    return {"val_loss": float(x)}


def waits_for_release(params):
    """Returns x once the file named `release` exists (checked every 20 ms): a task that is running for as
    long as the test needs, on a machine of any speed. Fails after `max_wait` seconds, a safety net only."""
    import pathlib
    import time
    release = pathlib.Path(params["release"])
    deadline = time.monotonic() + float(params.get("max_wait", 300))
    while not release.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{release} never appeared")
        time.sleep(0.02)
    return {"val_loss": float(params.get("x", 0))}


def checkpointed_until_released(params, ctx):
    """Epochs of `epoch_sleep` seconds, a checkpoint and a report after each, until the file named `release`
    exists; stops when asked (a drain) and resumes from its newest checkpoint, reporting the epoch it started
    from. No attempt ends on its own before the test releases it, so a drain always finds it running."""
    import pathlib
    saved = ctx.load_checkpoint()
    first = saved[0] + 1 if saved else 1
    release = pathlib.Path(params["release"])
    epoch = first - 1
    while not release.exists():
        if ctx.should_stop():
            break
        if epoch >= int(params.get("max_epochs", 2400)):
            raise RuntimeError(f"{release} never appeared")
        epoch += 1
        time.sleep(float(params["epoch_sleep"]))
        ctx.save_checkpoint(epoch, {"epoch": epoch})
        ctx.report(epoch, loss=1.0 / epoch)
    return {"val_loss": 1.0 / max(epoch, 1), "resumed_at": first}


def quadratic_once_two_workers_run(params):
    """model_runner's quadratic, but a task returns only once two worker processes have each started one
    (pid files in `marker_dir`): a sweep then uses both workers on a machine of any speed, not only when the
    second worker's start-up beats the first worker through the whole sweep."""
    import os
    import pathlib
    from model_runner.examples import quadratic
    markers = pathlib.Path(params["marker_dir"])
    (markers / str(os.getpid())).touch()
    deadline = time.monotonic() + float(params.get("max_wait", 120))
    while len(list(markers.iterdir())) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("the second worker never started a task")
        time.sleep(0.01)
    return quadratic.run(params)
