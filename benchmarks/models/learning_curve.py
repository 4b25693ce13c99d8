"""A synthetic learning-curve family with a known best, for the pruning benchmark.

Two hyperparameters: ``lr`` in [1e-4, 1] (log) and ``width`` in [0, 1]. The final loss is
``floor = 0.05 + (log10(lr) + 2) ** 2 / 4 + (width - 0.6) ** 2`` (best 0.05 at lr = 0.01, width = 0.6),
reached along ``loss(e) = floor + (1.5 - floor) * exp(-e / tau)``, where small learning rates learn slowly
(``tau = 2 + 4 * max(0, -2 - log10(lr))``): their curves start high and cross others later, as real ones
do. A little seeded noise per epoch keeps it honest. Each epoch lasts ``epoch_s`` seconds.

Resumable for population-based training: the training's state is its noiseless loss, and an epoch with
(lr, width) moves it ``loss <- floor + (loss - floor) * exp(-1 / tau)`` (for fixed hyperparameters the
same curve as above). A PBT segment (params ``_start_epoch``, ``_end_epoch``) starts from the state in
``ctx.initial_weights`` (a JSON file this model wrote; 1.5 when there is none), trains to ``_end_epoch``
with its own hyperparameters and saves its state with ``ctx.save_weights`` for the next segment.
"""
import json
import math
import os
import random
import time


def floor_tau(params):
    lr, width = float(params["lr"]), float(params["width"])
    floor = 0.05 + (math.log10(lr) + 2.0) ** 2 / 4.0 + (width - 0.6) ** 2
    return floor, 2.0 + 4.0 * max(0.0, -2.0 - math.log10(lr))


def loss_at(params, epoch):
    floor, tau = floor_tau(params)
    return floor + (1.5 - floor) * math.exp(-epoch / tau)


def run_segment(params, ctx):
    """One PBT segment: epochs _start_epoch+1 .. _end_epoch from the handed-off state."""
    start, end = int(params["_start_epoch"]), int(params["_end_epoch"])
    epoch_s = float(params.get("epoch_s", 0.02))
    state = {"loss": 1.5}
    if ctx.initial_weights is not None:
        with open(ctx.initial_weights) as fh:
            state = json.load(fh)
    floor, tau = floor_tau(params)
    rng = random.Random(hash((round(float(params["lr"]), 12), round(float(params["width"]), 12), start)) & 0xFFFF)
    loss = None
    for epoch in range(start + 1, end + 1):
        time.sleep(epoch_s)
        state["loss"] = floor + (state["loss"] - floor) * math.exp(-1.0 / tau)
        loss = state["loss"] * (1.0 + 0.01 * rng.gauss(0.0, 1.0))
        ctx.report(epoch, val_loss=loss)
        if ctx.should_stop():
            break
    path = os.path.join(ctx.task_dir, "state.json")
    with open(path, "w") as fh:
        json.dump(state, fh)
    ctx.save_weights(path)
    return {"val_loss": loss}


def run(params, ctx):
    if "_start_epoch" in params:
        return run_segment(params, ctx)
    epochs = int(params.get("epochs", 27))
    epoch_s = float(params.get("epoch_s", 0.02))
    rng = random.Random(hash((round(float(params["lr"]), 12), round(float(params["width"]), 12))) & 0xFFFF)
    loss = None
    for epoch in range(1, epochs + 1):
        time.sleep(epoch_s)
        loss = loss_at(params, epoch) * (1.0 + 0.01 * rng.gauss(0.0, 1.0))
        ctx.report(epoch, val_loss=loss)
        if ctx.should_stop():
            break
    return {"val_loss": loss}
