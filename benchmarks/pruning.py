"""Pruning at equal worker-seconds: plain random search against random + ASHA (and tpe + median) on a
synthetic learning-curve family with a known best (benchmarks/models/learning_curve.py), several seeds.

Every contender runs through the real supervisor. Worker-seconds are the tasks' own run times (end -
start, from the store), summed in the order results came; the best-so-far counts full trainings only (a
pruned trial's value reached is no result). For each seed: plain random's final best is the target; the
figure is the worker-seconds each contender needed to reach plain random's final median best (over the
seeds), and its best within plain random's budget. Writes benchmarks/results/pruning.json and prints a
Markdown table for BENCHMARKS.md.

The pbt contender (population-based training, optimizer name: pbt) trains a population of PBT_POPULATION
members in segments of PBT_INTERVAL epochs, as many segments as fit in about 90 % of plain random's
epochs (the rest is left for the per-segment start-up, so it spends no more worker-seconds). Its
best-so-far counts a member's score only at its last segment (a finished training, as for the others);
`pbt_best_any_segment` also counts intermediate segment scores (what Ray Tune reports).

    /usr/bin/python3 benchmarks/pruning.py [--seeds 5] [--trials 30] [--workers 2]
                                           [--contenders random pbt] [--out benchmarks/results/pruning_pbt.json]
"""
import argparse
import json
import math
import pathlib
import sqlite3
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import ROOT, run_workflow  # noqa: E402

MODELS = ROOT / "benchmarks" / "models"
WORKFLOW = """
name: pruning-bench
workflow: hpo
model: {{kind: python, entry: "learning_curve:run", python_path: ["{models}"], defaults: {{epochs: 27, epoch_s: 0.02}}}}
space:
  lr: {{type: float, low: 1.0e-4, high: 1.0, log: true}}
  width: {{type: float, low: 0, high: 1}}
optimizer: {{name: {optimizer}, max_evals: {trials}, seed: {seed}{pruner}}}
"""
# name -> (optimizer, pruner text, trials as a multiple of plain random's: enough to spend its budget)
CONTENDERS = {
    "random": ("random", "", 1),
    "random+asha": ("random", ", pruner: {name: asha, min_epochs: 1, reduction_factor: 3, max_epochs: 27}", 8),
    "tpe+median": ("tpe", ", pruner: {name: median, min_epochs: 3, min_trials: 3}", 3),
    "pbt": ("pbt", None, None),  # its optimizer text is pbt_optimizer()
}
EPOCHS = 27  # of a full training (WORKFLOW's defaults)
PBT_POPULATION, PBT_INTERVAL = 10, 3


def pbt_optimizer(trials, seed):
    """optimizer keys of the pbt contender: segments so that population x epochs ~ 90 % of random's epochs."""
    segments = max(1, round(0.9 * trials * EPOCHS / (PBT_POPULATION * PBT_INTERVAL)))
    return (f"pbt, seed: {seed}, population: {PBT_POPULATION}, interval_epochs: {PBT_INTERVAL}, "
            f"segments: {segments}, quantile: 0.25, perturb: {{factors: [0.8, 1.2], resample_probability: 0.25}}")


def pbt_curve(out_dir, any_segment=False):
    """As curve(), for a PBT run: segments in result order; the best counts last segments only (a finished
    training), or every segment's score with `any_segment`."""
    con = sqlite3.connect(f"file:{out_dir / 'supervisor.db'}?mode=ro", uri=True)
    last = con.execute("SELECT max(segment) FROM pbt_segments").fetchone()[0]
    rows = con.execute("SELECT t.objective, t.start_time, t.end_time, p.segment FROM tasks t "
                       "JOIN pbt_segments p ON p.task_id = t.id WHERE t.status = 'done' "
                       "ORDER BY t.result_seq").fetchall()
    con.close()
    spent, best, out = 0.0, None, []
    for objective, start, end, segment in rows:
        spent += max(0.0, end - start)
        if (any_segment or segment == last) and objective is not None and (best is None or objective < best):
            best = objective
        out.append((spent, best))
    return out


def curve(out_dir):
    """[(cumulative worker-seconds, best full-training objective so far or None)] in result order."""
    con = sqlite3.connect(f"file:{out_dir / 'supervisor.db'}?mode=ro", uri=True)
    rows = con.execute("SELECT status, objective, start_time, end_time FROM tasks "
                       "WHERE status IN ('done', 'pruned') ORDER BY result_seq").fetchall()
    con.close()
    spent, best, out = 0.0, None, []
    for status, objective, start, end in rows:
        spent += max(0.0, end - start)
        if status == "done" and objective is not None and (best is None or objective < best):
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--trials", type=int, default=30, help="plain random's budget in trials")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--contenders", nargs="+", choices=list(CONTENDERS), default=list(CONTENDERS),
                    help="which to run (random always runs: it sets the target and the budget)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "pruning.json"))
    args = ap.parse_args()
    names = ["random"] + [n for n in CONTENDERS if n in args.contenders and n != "random"]
    curves = {name: [] for name in names}
    pbt_any = []
    for seed in range(1, args.seeds + 1):
        for name in names:
            optimizer, pruner, mult = CONTENDERS[name]
            if name == "pbt":
                text = WORKFLOW.replace("optimizer: {{name: {optimizer}, max_evals: {trials}, seed: {seed}{pruner}}}",
                                        "optimizer: {{name: {optimizer}}}")
                text = text.format(models=MODELS, optimizer=pbt_optimizer(args.trials, seed))
            else:
                text = WORKFLOW.format(models=MODELS, optimizer=optimizer, trials=args.trials * mult, seed=seed,
                                       pruner=pruner)
            out, _ = run_workflow(text, args.workers)
            curves[name].append(pbt_curve(out) if name == "pbt" else curve(out))
            if name == "pbt":
                pbt_any.append(pbt_curve(out, any_segment=True))
            print(f"seed {seed} {name}: {len(curves[name][-1])} trials, "
                  f"{curves[name][-1][-1][0]:.1f} worker-s", file=sys.stderr)
    budgets = [c[-1][0] for c in curves["random"]]
    target = statistics.median(c[-1][1] for c in curves["random"])
    budget = statistics.median(budgets)
    results = {"target": target, "budget_worker_s": budget, "seeds": args.seeds, "trials": args.trials,
               "workers": args.workers, "contenders": {}}
    for name, runs in curves.items():
        reach = [seconds_to_reach(c, target) for c in runs]
        # A seed that never reached the target counts as infinitely slow: the median is over every seed.
        median = statistics.median(math.inf if r is None else r for r in reach)
        results["contenders"][name] = {
            "worker_s_to_target": reach,
            "worker_s_spent": [c[-1][0] for c in runs],
            "median_worker_s_to_target": None if math.isinf(median) else median,
            "best_within_budget": [best_within(c, budget) for c in runs],
        }
    if pbt_any:
        results["contenders"]["pbt"]["pbt_best_any_segment"] = [best_within(c, budget) for c in pbt_any]
        results["pbt"] = {"population": PBT_POPULATION, "interval_epochs": PBT_INTERVAL,
                          "optimizer": pbt_optimizer(args.trials, "<seed>")}
    out = pathlib.Path(args.out)
    out.write_text(json.dumps(results, indent=1) + "\n")
    base = results["contenders"]["random"]["median_worker_s_to_target"]
    print(f"| contender | median worker-s to random's median best ({target:.4f}) | vs random | "
          f"median best within {budget:.0f} worker-s |")
    print("|---|---|---|---|")
    for name, r in results["contenders"].items():
        m = r["median_worker_s_to_target"]
        bests = [b for b in r["best_within_budget"] if b is not None]
        ratio = f"{100 * m / base:.0f} %" if m is not None and base else "-"
        print(f"| {name} | {m:.1f} | {ratio} | {statistics.median(bests):.4f} |" if m is not None else
              f"| {name} | not reached in most seeds | - | "
              f"{statistics.median(bests) if bests else float('nan'):.4f} |")


if __name__ == "__main__":
    main()
