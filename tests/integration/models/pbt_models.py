"""A resumable training for PBT tests: its state (the loss, and which segment last trained it) is handed
from segment to segment through ctx.save_weights / ctx.initial_weights, so a test can tell whose weights
each segment started from."""
import json
import os
import time


def segment(params, ctx):
    start, end = int(params["_start_epoch"]), int(params["_end_epoch"])
    state = {"loss": 1.0, "node": None}
    if ctx.initial_weights is not None:
        with open(ctx.initial_weights) as fh:
            state = json.load(fh)
    came_from = state["node"]
    for epoch in range(start + 1, end + 1):
        time.sleep(float(params.get("epoch_s", 0.05)))
        state["loss"] *= 0.5 + abs(float(params["x"]) - 0.3)
        ctx.report(epoch, val_loss=state["loss"])
    state["node"] = ctx.node_id
    path = os.path.join(ctx.task_dir, "state.json")
    with open(path, "w") as fh:
        json.dump(state, fh)
    ctx.save_weights(path)
    return {"val_loss": state["loss"], "weights_from": came_from, "weights_source": ctx.weights_source}
