"""Pruning at equal worker-seconds: plain random search against random + ASHA and tpe + median, several
seeds, on one of two families of trainings:

- ``synthetic``: learning curves with a known best (benchmarks/models/learning_curve.py), so the figures are
  stable;
- ``uno``: the uno example (model_runner/examples/uno, PyTorch on its bundled synthetic drug-response data) on
  this machine's CPU, small enough that the whole benchmark runs in about a quarter of an hour on 2 cores.

Terms. An *arm* is one way to search (an optimizer, maybe with a pruner); arms are the entries of ARMS, so a
new one (PBT) is one more entry. A *family* is the model, its space and sizes (FAMILIES). Every arm runs
through the real supervisor. *Worker-seconds* are the tasks' own run times (end - start, from the store),
summed in the order results came, so the machine's load counts the same for every arm; arms are interleaved
per seed (and their order rotates with the seed) for the same reason. The best-so-far counts full trainings
only (a pruned trial's value reached is no result). Plain random's final best, median over the seeds, is
the *target*; its median worker-seconds the *budget*. For each arm: the worker-seconds it needed to reach
the target (a seed that never does counts as infinite), and its best against worker-seconds up to the
budget. Writes benchmarks/results/pruning.json (synthetic) or pruning_uno.json (uno) and prints Markdown
tables for BENCHMARKS.md.

The pbt arm (population-based training, ``optimizer: {name: pbt}``) trains a population of ``pbt_population``
members in segments of ``pbt_interval`` epochs, as many segments as fit in about 90 % of plain random's
worker-seconds, counting a pbt epoch as ``pbt_epoch_cost`` of one of random's planned epochs (measured per family;
the rest is margin, so it spends no more worker-seconds). Its best-so-far counts a
member's score only at its last segment (a finished training, as for the others); ``pbt_best_any_segment`` in
the JSON also counts intermediate segment scores (what Ray Tune reports). PBT varies hyperparameters on the
same weights, so it searches a family's ``pbt_space`` (the training hyperparameters of ``space``; the uno
architecture stays at the model's defaults).

    /usr/bin/python3 benchmarks/pruning.py [--family synthetic|uno] [--arms random,asha,tpe_median,pbt]
                                           [--seeds 5] [--trials N] [--workers 2]
"""
import argparse
import json
import math
import pathlib
import sqlite3
import statistics
import sys
from dataclasses import dataclass, field

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import ROOT, run_workflow  # noqa: E402


@dataclass(frozen=True)
class Family:
    """A model with its space: ``model`` and ``space`` are workflow mappings (JSON is YAML), ``epochs`` a full
    training, ``trials`` plain random's default budget, ``factors`` per-arm trial multiples that differ from
    the arm's own (enough trials to spend plain random's budget, no more: the uno runs are slow)."""

    model: dict
    space: dict
    epochs: int
    trials: int
    objective: dict = field(default_factory=lambda: {"metric": "val_loss", "goal": "minimize"})
    resources: dict = field(default_factory=dict)
    factors: dict = field(default_factory=dict)
    pbt_population: int = 10
    pbt_interval: int = 3
    pbt_space: dict = None  # None: the whole space
    # The worker-seconds of one pbt epoch (a 3-epoch segment's, start-up included) over those of one of plain
    # random's planned epochs (trials x epochs; patience may end some early), measured on this machine: PBT
    # trains the model's default architecture, random draws bigger ones too.
    pbt_epoch_cost: float = 1.0


@dataclass(frozen=True)
class Arm:
    """``label`` names it in tables and the JSON; ``optimizer(family, trials, seed)`` is its workflow's
    ``optimizer:`` mapping; ``factor`` its trials as a multiple of plain random's; ``pbt`` marks the arm whose
    trials are PBT segments (its space is the family's pbt_space, its curve pbt_curve)."""

    label: str
    optimizer: object
    factor: float = 1.0
    pbt: bool = False


def asha(family):
    return {"name": "asha", "min_epochs": 1, "reduction_factor": 3, "max_epochs": family.epochs}


def median(family):
    return {"name": "median", "min_epochs": 3, "min_trials": 3}


def pbt(family, trials, seed):
    """The pbt arm's optimizer: segments so that its expected worker-seconds (population x epochs x the
    family's pbt_epoch_cost) are ~ 90 % of plain random's (trials x epochs); the rest is margin for the load,
    since its best counts last segments only, which come at the end."""
    segments = max(1, round(0.9 * trials * family.epochs /
                            (family.pbt_population * family.pbt_interval * family.pbt_epoch_cost)))
    return {"name": "pbt", "seed": seed, "population": family.pbt_population,
            "interval_epochs": family.pbt_interval, "segments": segments, "quantile": 0.25,
            "perturb": {"factors": [0.8, 1.2], "resample_probability": 0.25}}


ARMS = {
    "random": Arm("random", lambda f, n, s: {"name": "random", "max_evals": n, "seed": s}),
    "asha": Arm("random+asha", lambda f, n, s: {"name": "random", "max_evals": n, "seed": s, "pruner": asha(f)}, 8),
    "tpe_median": Arm("tpe+median", lambda f, n, s: {"name": "tpe", "max_evals": n, "seed": s,
                                                     "pruner": median(f)}, 3),
    "pbt": Arm("pbt", pbt, pbt=True),
}

FAMILIES = {
    "synthetic": Family(
        model={"kind": "python", "entry": "learning_curve:run", "python_path": [str(ROOT / "benchmarks" / "models")],
               "defaults": {"epochs": 27, "epoch_s": 0.02}},
        space={"lr": {"type": "float", "low": 1.0e-4, "high": 1.0, "log": True},
               "width": {"type": "float", "low": 0, "high": 1}},
        epochs=27, trials=30, pbt_population=10, pbt_interval=3),
    # The bundled hpo-random.yaml search (same space) with the learning rate over three decades (some settings
    # clearly bad), 12 epochs (ASHA rungs at epochs 1, 3 and 9), the model's own patience (5) and 2000 rows.
    "uno": Family(
        model={"kind": "python", "entry": "model_runner.examples.uno:run",
               "defaults": {"epochs": 12, "patience": 5, "n_rows": 2000}},
        space={"learning_rate": {"type": "float", "low": 1.0e-4, "high": 1.0e-1, "log": True},
               "dropout": {"type": "float", "low": 0.0, "high": 0.5},
               "batch_size": {"type": "ordinal", "values": [32, 64, 128]},
               "activation": {"type": "categorical", "choices": ["relu", "tanh", "elu"]},
               "dense": {"type": "categorical", "choices": [[64, 32], [128, 64], [256, 128, 64]]}},
        epochs=12, trials=24, objective={"metric": "val_loss", "goal": "minimize", "mode": "min"},
        resources={"preload": ["torch"]}, factors={"asha": 3.5, "tpe_median": 1},
        pbt_population=6, pbt_interval=3,
        # 2026-12-01, seed 1 of --arms random,pbt with 14 segments: pbt 35.3 worker-s for 252 epochs, random
        # 56.0 worker-s for its 24 x 12 planned epochs (262 run): (35.3 / 252) / (56.0 / 288) = 0.72.
        pbt_epoch_cost=0.72,
        pbt_space={"learning_rate": {"type": "float", "low": 1.0e-4, "high": 1.0e-1, "log": True},
                   "dropout": {"type": "float", "low": 0.0, "high": 0.5},
                   "batch_size": {"type": "ordinal", "values": [32, 64, 128]}}),
}


def workflow_text(family, arm_name, trials, seed, workers):
    arm = ARMS[arm_name]
    count = int(round(trials * family.factors.get(arm_name, arm.factor)))
    space = family.pbt_space if arm.pbt and family.pbt_space else family.space
    spec = {"name": f"pruning-bench-{arm_name}", "workflow": "hpo", "model": family.model, "space": space,
            "optimizer": arm.optimizer(family, count, seed), "objective": family.objective,
            "resources": {"workers": workers, **family.resources}}
    return "\n".join(f"{key}: {json.dumps(value)}" for key, value in spec.items()) + "\n"


# -- analysis (every family) -----------------------------------------------------------------------------

def curve(out_dir):
    """[(cumulative worker-seconds, best full-training objective so far or None)] in result order."""
    con = sqlite3.connect(f"file:{out_dir / 'supervisor.db'}?mode=ro", uri=True)
    rows = con.execute("SELECT status, objective, start_time, end_time FROM tasks "
                       "WHERE status IN ('done', 'pruned', 'failed') ORDER BY result_seq").fetchall()
    con.close()
    spent, best, out = 0.0, None, []
    for status, objective, start, end in rows:
        spent += max(0.0, end - start)  # a failed training cost its worker time too
        if status == "done" and objective is not None and (best is None or objective < best):
            best = objective
        out.append((spent, best))
    return out


def pbt_curve(out_dir, any_segment=False):
    """As curve(), for a PBT run: segments in result order; the best counts last segments only (a finished
    training), or every segment's score with `any_segment`."""
    con = sqlite3.connect(f"file:{out_dir / 'supervisor.db'}?mode=ro", uri=True)
    last = con.execute("SELECT max(segment) FROM pbt_segments").fetchone()[0]
    rows = con.execute("SELECT t.status, t.objective, t.start_time, t.end_time, p.segment FROM tasks t "
                       "JOIN pbt_segments p ON p.task_id = t.id WHERE t.status IN ('done', 'failed') "
                       "ORDER BY t.result_seq").fetchall()
    con.close()
    spent, best, out = 0.0, None, []
    for status, objective, start, end, segment in rows:
        spent += max(0.0, end - start)
        if status == "done" and (any_segment or segment == last) and objective is not None and \
                (best is None or objective < best):
            best = objective
        out.append((spent, best))
    return out


def seconds_to_reach(points, target):
    for spent, best in points:
        if best is not None and best <= target:
            return spent
    return None


def best_within(points, budget):
    best = None
    for spent, b in points:
        if spent > budget:
            break
        best = b
    return best


FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)  # of the budget, for best against worker-seconds


def summarize(curves, baseline="random"):
    """The figures of one benchmark from each arm's curves (one per seed); ``baseline`` sets target and budget."""
    target = statistics.median(c[-1][1] for c in curves[baseline])
    budget = statistics.median(c[-1][0] for c in curves[baseline])
    out = {"target": target, "budget_worker_s": budget, "contenders": {}}
    for name, runs in curves.items():
        reach = [seconds_to_reach(c, target) for c in runs]
        # A seed that never reached the target counts as infinitely slow: the median is over every seed.
        middle = statistics.median(math.inf if r is None else r for r in reach)
        out["contenders"][name] = {
            "worker_s_to_target": reach,
            "worker_s_spent": [c[-1][0] for c in runs],
            "trials": [len(c) for c in runs],
            "median_worker_s_to_target": None if math.isinf(middle) else middle,
            "best_within_budget": [best_within(c, budget) for c in runs],
            "median_best_at_fraction_of_budget": {
                str(f): _median_known([best_within(c, f * budget) for c in runs]) for f in FRACTIONS},
        }
    base = out["contenders"][baseline]["median_worker_s_to_target"]
    for r in out["contenders"].values():
        m = r["median_worker_s_to_target"]
        r["fraction_of_baseline_worker_s"] = m / base if m is not None and base else None
    return out


def _median_known(values):
    """Median over the seeds that have a full training by then (None when fewer than half do)."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if len(known) * 2 > len(values) else None


def tables(results):
    target, budget = results["target"], results["budget_worker_s"]
    lines = [f"| contender | median worker-s to random's median best ({target:.4f}) | vs random | "
             f"median best within {budget:.0f} worker-s |", "|---|---|---|---|"]
    for name, r in results["contenders"].items():
        m, ratio = r["median_worker_s_to_target"], r["fraction_of_baseline_worker_s"]
        best = _median_known(r["best_within_budget"])
        lines.append(f"| {name} | {'not reached in most seeds' if m is None else f'{m:.1f}'} | "
                     f"{'-' if ratio is None else f'{100 * ratio:.0f} %'} | "
                     f"{'-' if best is None else f'{best:.4f}'} |")
    lines += ["", "| median best at worker-s | " + " | ".join(f"{f * budget:.0f}" for f in FRACTIONS) + " |",
              "|---" * (len(FRACTIONS) + 1) + "|"]
    for name, r in results["contenders"].items():
        cells = r["median_best_at_fraction_of_budget"].values()
        lines.append(f"| {name} | " + " | ".join("-" if v is None else f"{v:.4f}" for v in cells) + " |")
    return "\n".join(lines)


def parse_arms(text):
    names = [a.strip() for a in text.split(",") if a.strip()]
    unknown = [a for a in names if a not in ARMS]
    if unknown or "random" not in names:
        why = f"unknown arm {unknown[0]!r}" if unknown else "plain random sets the target and must be one"
        raise argparse.ArgumentTypeError(f"{why} (arms: {', '.join(ARMS)})")
    return names


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=sorted(FAMILIES), default="synthetic")
    ap.add_argument("--arms", type=parse_arms, default=list(ARMS), help=f"comma-separated, of {', '.join(ARMS)}")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--trials", type=int, help="plain random's budget in trials (default: the family's)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=pathlib.Path, help="the JSON (default: benchmarks/results/pruning[_FAMILY].json)")
    args = ap.parse_args(argv)
    family = FAMILIES[args.family]
    trials = args.trials or family.trials
    curves = {ARMS[name].label: [] for name in args.arms}
    any_segment = []  # the pbt arm's curves counting every segment's score
    for seed in range(1, args.seeds + 1):
        shift = (seed - 1) % len(args.arms)
        for name in args.arms[shift:] + args.arms[:shift]:
            out, _ = run_workflow(workflow_text(family, name, trials, seed, args.workers), args.workers, timeout=1200)
            points = pbt_curve(out) if ARMS[name].pbt else curve(out)
            if ARMS[name].pbt:
                any_segment.append(pbt_curve(out, any_segment=True))
            curves[ARMS[name].label].append(points)
            print(f"seed {seed} {ARMS[name].label}: {len(points)} trials, {points[-1][0]:.1f} worker-s, "
                  f"best {points[-1][1]}", file=sys.stderr, flush=True)
    results = {"family": args.family, "seeds": args.seeds, "trials": trials, "workers": args.workers,
               "arms": args.arms, **summarize(curves, baseline=ARMS["random"].label)}
    if any_segment:
        results["contenders"]["pbt"]["pbt_best_any_segment"] = [
            best_within(c, results["budget_worker_s"]) for c in any_segment]
        results["pbt"] = pbt(family, trials, "<seed>")
    suffix = "" if args.family == "synthetic" else f"_{args.family}"
    path = args.out or ROOT / "benchmarks" / "results" / f"pruning{suffix}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(tables(results))


if __name__ == "__main__":
    main()
