"""Synthetic learning curves for pruning tests: each hyperparameter setting has a known curve, so which
trials a pruner should stop is known in advance.

``val_loss(epoch) = floor + 0.5 * exp(-epoch / 3)`` with ``floor = (x - 0.3) ** 2``: a trial's curve keeps
its rank at every epoch, so a trial worse than another at a rung stays worse. ``latency = (x - 0.7) ** 2``
is a second objective that trades off against ``val_loss`` (the Pareto front is 0.3 <= x <= 0.7).
Each epoch but the last lasts ``epoch_s`` seconds after its report, spent polling ``ctx.should_stop()``, so
a stop sent after an epoch's report is seen before the next one.
"""
import math
import time


def curve_point(x, epoch):
    """The known curve: (val_loss, latency) of setting ``x`` at ``epoch``."""
    return (x - 0.3) ** 2 + 0.5 * math.exp(-epoch / 3.0), (x - 0.7) ** 2 + 0.1 * math.exp(-epoch / 3.0)


def curve(params, ctx):
    """Reports every epoch; returns at ctx.should_stop() (then recorded as pruned) or after ``epochs``."""
    x = float(params["x"])
    epochs = int(params.get("epochs", 9))
    epoch_s = float(params.get("epoch_s", 0.3))
    loss = latency = None
    for epoch in range(1, epochs + 1):
        loss, latency = curve_point(x, epoch)
        ctx.report(epoch, val_loss=loss, latency=latency)
        if epoch == epochs:
            break
        until = time.monotonic() + epoch_s
        while time.monotonic() < until:
            if ctx.should_stop():
                return {"val_loss": loss, "latency": latency}
            time.sleep(0.005)
    return {"val_loss": loss, "latency": latency}
