"""Optimizer quality on Branin with a categorical twist, at an equal budget.

f(x1, x2, shape) = scale[shape] * branin(x1, x2) + shift[shape], x1 in [-5, 10], x2 in [0, 15];
shape "plain" (scale 1, shift 0) is the only one that reaches Branin's minimum 0.397887, so an
optimizer has to find the right category as well as one of Branin's three basins.

Each optimizer runs through its ask/tell interface (no supervisor), in streaming order: WORKERS
points in flight, each taking a pseudo-random time (fixed by the seed), one new point asked as
each result arrives, until BUDGET points; the generational GA runs in batch mode (population =
batch = 10), as CANDLE's GA workflow does. Prints the median (and quartiles) of the best value
found per optimizer over SEEDS seeds and writes benchmarks/results/optimizers_branin.json.

    /usr/bin/python3 benchmarks/optimizers_branin.py [--seeds 20] [--budget 60]
"""
import argparse
import heapq
import json
import math
import pathlib
import random
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eq_py"))

from eqpy.optimizer import make_optimizer  # noqa: E402
from eqpy.space import Space  # noqa: E402

SHAPES = {"plain": (1.0, 0.0), "shifted": (1.0, 2.0), "scaled": (3.0, 0.0), "lifted": (0.5, 5.0)}
SPACE = [{"name": "x1", "type": "float", "low": -5.0, "high": 10.0},
         {"name": "x2", "type": "float", "low": 0.0, "high": 15.0},
         {"name": "shape", "type": "categorical", "choices": list(SHAPES)}]
OPTIMUM = 0.397887
WORKERS = 4

# name in the table -> (optimizer, options, batch)
CONTENDERS = {
    "random": ("random", {}, 0),
    "grid": ("grid", {"levels": 4, "shuffle": True}, 0),
    "ga (steady_state)": ("ga", {}, 0),
    "ga (generational)": ("ga", {}, 10),
    "tpe": ("tpe", {}, 0),
}


def branin(x1, x2):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def objective(p):
    scale, shift = SHAPES[p["shape"]]
    return scale * branin(p["x1"], p["x2"]) + shift


def search(name, options, batch, seed, budget):
    """Best value found by one optimizer run; streaming-like order (batch 0) or whole batches."""
    space = Space(SPACE)
    opt = make_optimizer(name, space, seed=seed, options=options, batch=batch)
    clock = random.Random(seed * 7919 + 1)
    best, proposed, now, order = math.inf, 0, 0.0, 0
    running = []

    def launch(n):
        nonlocal proposed, order
        points = opt.ask(min(n, budget - proposed))
        for p in points:
            assert space.contains(p), p
            order += 1
            heapq.heappush(running, (now + clock.uniform(1, 10), order, p))
        proposed += len(points)

    if batch:
        while proposed < budget:
            launch(batch)
            if not running:
                break
            done = [heapq.heappop(running)[1:] for _ in range(len(running))]
            for _, p in sorted(done, key=lambda d: d[0]):
                value = objective(p)
                best = min(best, value)
                opt.tell(p, value)
        return best
    launch(WORKERS)
    while running:
        now, _, p = heapq.heappop(running)
        value = objective(p)
        best = min(best, value)
        opt.tell(p, value)
        launch(WORKERS - len(running))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"
                                             / "optimizers_branin.json"))
    args = parser.parse_args()
    rows = {}
    for label, (name, options, batch) in CONTENDERS.items():
        t0 = time.perf_counter()
        bests = [search(name, options, batch, seed, args.budget)
                 for seed in range(1, args.seeds + 1)]
        q = statistics.quantiles(bests, n=4)
        rows[label] = {"optimizer": name, "options": options, "batch": batch,
                       "median_best": statistics.median(bests), "q1": q[0], "q3": q[2],
                       "mean_best": statistics.fmean(bests), "bests": bests,
                       "seconds": time.perf_counter() - t0}
    print(f"Branin + categorical shape, budget {args.budget}, {args.seeds} seeds, "
          f"{WORKERS} workers (optimum {OPTIMUM})")
    print(f"{'optimizer':20} {'median best':>12} {'q1':>9} {'q3':>9} {'mean':>9} {'s':>6}")
    for label, r in rows.items():
        print(f"{label:20} {r['median_best']:12.4f} {r['q1']:9.4f} {r['q3']:9.4f} "
              f"{r['mean_best']:9.4f} {r['seconds']:6.1f}")
    result = {"benchmark": "optimizers_branin", "budget": args.budget, "seeds": args.seeds,
              "workers": WORKERS, "optimum": OPTIMUM, "shapes": SHAPES, "optimizers": rows}
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    beaten = [k for k in ("tpe", "ga (steady_state)", "ga (generational)")
              if rows[k]["median_best"] >= rows["random"]["median_best"]]
    if beaten:
        print(f"NOT better than random: {', '.join(beaten)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
