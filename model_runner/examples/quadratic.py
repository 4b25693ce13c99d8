"""A fast analytic objective of ``x`` and ``y`` for tests, sweeps and optimizer checks.

``val_loss = (x - 1)^2 + (y + 2)^2 + noise``: the minimum 0 is at (1, -2), so an
optimizer's progress is easy to judge. ``sleep`` (seconds) imitates a slow
training for load tests; ``noise`` adds seeded Gaussian noise for UQ examples.
"""
import math
import random
import time

default_params = {"x": 0.0, "y": 0.0, "noise": 0.0, "seed": 0, "sleep": 0.0}


def run(params):
    """Evaluate the quadratic; returns val_loss and the point it was evaluated at."""
    x = float(params.get("x", 0.0))
    y = float(params.get("y", 0.0))
    value = (x - 1.0) ** 2 + (y + 2.0) ** 2
    noise = float(params.get("noise") or 0.0)
    if noise:
        value += random.Random(params.get("seed", 0)).gauss(0.0, noise)
    if params.get("sleep"):
        time.sleep(float(params["sleep"]))
    return {"val_loss": value, "x": x, "y": y, "distance": math.hypot(x - 1.0, y + 2.0)}
