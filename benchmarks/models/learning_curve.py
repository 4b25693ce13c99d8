"""A synthetic learning-curve family with a known best, for the pruning benchmark.

Two hyperparameters: ``lr`` in [1e-4, 1] (log) and ``width`` in [0, 1]. The final loss is
``floor = 0.05 + (log10(lr) + 2) ** 2 / 4 + (width - 0.6) ** 2`` (best 0.05 at lr = 0.01, width = 0.6),
reached along ``loss(e) = floor + (1.5 - floor) * exp(-e / tau)``, where small learning rates learn slowly
(``tau = 2 + 4 * max(0, -2 - log10(lr))``): their curves start high and cross others later, as real ones
do. A little seeded noise per epoch keeps it honest. Each epoch lasts ``epoch_s`` seconds.
"""
import math
import random
import time


def loss_at(params, epoch):
    lr, width = float(params["lr"]), float(params["width"])
    floor = 0.05 + (math.log10(lr) + 2.0) ** 2 / 4.0 + (width - 0.6) ** 2
    tau = 2.0 + 4.0 * max(0.0, -2.0 - math.log10(lr))
    return floor + (1.5 - floor) * math.exp(-epoch / tau)


def run(params, ctx):
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
