"""A stand-in for a training whose run time is lognormal (median `median` s, sigma `sigma`): it sleeps,
so many workers fit on 2 cores. The duration is drawn from the point itself, so a given point always
takes as long; the objective is a quadratic of x and y."""
import hashlib
import json
import math
import random
import time


def run(params):
    key = json.dumps({k: params[k] for k in sorted(params) if k not in ("median", "sigma")})
    rng = random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))
    median = float(params.get("median", 1.0))
    sigma = float(params.get("sigma", 0.5))
    duration = median * math.exp(rng.gauss(0.0, sigma))
    time.sleep(duration)
    x, y = float(params.get("x", 0)), float(params.get("y", 0))
    return {"val_loss": (x - 1) ** 2 + (y + 2) ** 2, "duration": duration}
