"""An ME algorithm written for EMEWS: only eqpy.OUT_put / eqpy.IN_get and the EMEWS sentinels."""
import json

import eqpy


def run():
    eqpy.OUT_put("Params")
    settings = dict(item.split("=") for item in eqpy.IN_get().split(";"))
    size, generations = int(settings["size"]), int(settings["generations"])
    best = None
    centre = 4.0
    for generation in range(generations):
        batch = [{"x": centre - 1.5 + i * (3.0 / (size - 1)), "y": -2.0} for i in range(size)]
        eqpy.OUT_put(";".join(json.dumps(p) for p in batch))
        values = [float(v) for v in eqpy.IN_get().split(";")]
        for point, value in zip(batch, values):
            if value == value and (best is None or value < best[1]):  # NaN != NaN: a failed evaluation
                best = (point, value)
        centre = best[0]["x"]
    eqpy.OUT_put("DONE")
    eqpy.OUT_put(json.dumps({"best": best[0], "value": best[1]}))

