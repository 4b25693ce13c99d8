#!/usr/bin/env python3
"""Worker utilization of batch vs streaming optimization: the same optimizer and seed, 16 workers, 160
evaluations of a model whose run time is lognormal (median 1 s, sigma 0.5; it sleeps). Utilization is busy
worker-seconds / available worker-seconds from the first dispatch to the last result, read from the store.

    /usr/bin/python3 benchmarks/hpo_utilization.py [--runs 3] [--optimizer random] [--language python] [--options "{...}"]

`--optimizer mbo --language r` measures the R model-based optimizer (its proposals take longer, which is
what streaming has to hide); results then go to results/hpo_utilization_<optimizer>_r.json by default.
"""
import argparse
import json
import pathlib
import sqlite3
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import run_workflow  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


def workflow(optimizer, batch, workers, evals, seed, language="python", options=None):
    return f"""
name: util-{'batch' if batch else 'stream'}
workflow: hpo
model:
  kind: python
  entry: sleepy:run
  python_path: ["{HERE / 'models'}"]
  defaults: {{median: 1.0, sigma: 0.5}}
  task_files: false
space:
  x: {{type: float, low: -5, high: 5}}
  y: {{type: float, low: -5, high: 5}}
optimizer: {{name: {optimizer}, language: {language}, max_evals: {evals}, seed: {seed}, batch: {batch}{f", options: {options}" if options else ""}}}
resources: {{workers: {workers}}}
"""


def utilization(out_dir, workers):
    """(utilization to the last result, utilization to the last dispatch, span, evaluations).

    The second figure leaves out the final drain, when the budget is spent and workers finish their last
    evaluations one by one: what the supervisor's dispatching costs, apart from the budget's end."""
    con = sqlite3.connect(f"file:{out_dir / 'supervisor.db'}?mode=ro", uri=True)
    rows = con.execute("SELECT start_time, end_time, dispatch_time FROM tasks WHERE status='done'").fetchall()
    con.close()
    first = min(r[2] for r in rows)
    last = max(r[1] for r in rows)
    last_dispatch = max(r[2] for r in rows)
    busy = sum(r[1] - r[0] for r in rows)
    busy_before = sum(max(0.0, min(r[1], last_dispatch) - r[0]) for r in rows)
    return (busy / (workers * (last - first)), busy_before / (workers * (last_dispatch - first)), last - first,
            len(rows))


def ideal_greedy(workers, evals, sigma, trials=400):
    """Median utilization of an ideal non-clairvoyant list scheduler (zero overhead, a free worker
    starts the next evaluation at once) on the same lognormal run times: the ceiling for any scheduler
    that cannot know a run time before it ends."""
    import heapq
    import math
    import random
    out = []
    for seed in range(trials):
        rng = random.Random(seed)
        durations = [math.exp(rng.gauss(0.0, sigma)) for _ in range(evals)]
        free = [0.0] * workers
        end = 0.0
        for d in durations:
            t = heapq.heappop(free) + d
            heapq.heappush(free, t)
            end = max(end, t)
        out.append(sum(durations) / (workers * end))
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--optimizer", default="random")
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--evals", type=int, default=160)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--language", choices=("python", "r"), default="python")
    ap.add_argument("--modes", default="streaming,batch", help="which of streaming,batch to run")
    ap.add_argument("--options", default=None, help="the optimizer's options as a YAML flow mapping, e.g. '{num_trees: 100}'")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.json is None:
        name = "hpo_utilization.json" if args.language == "python" else f"hpo_utilization_{args.optimizer}_r.json"
        args.json = str(HERE / "results" / name)
    out = {"optimizer": args.optimizer, "language": args.language, "options": args.options, "workers": args.workers,
           "evals": args.evals, "seed": args.seed,
           "date": time.strftime("%Y-%m-%d %H:%M"), "modes": {}}
    out["ideal_greedy_utilization"] = ideal_greedy(args.workers, args.evals, 0.5)
    print(f"ideal non-clairvoyant scheduler on these run times: {out['ideal_greedy_utilization'] * 100:.1f}%")
    for mode, batch in (("streaming", 0), ("batch", args.workers)):
        if mode not in args.modes.split(","):
            continue
        utils, steady, spans = [], [], []
        for _ in range(args.runs):
            run_dir, _ = run_workflow(workflow(args.optimizer, batch, args.workers, args.evals, args.seed, args.language,
                                               args.options),
                                      args.workers, timeout=900)
            u, u_steady, span, n = utilization(run_dir, args.workers)
            assert n == args.evals, f"{mode}: {n} of {args.evals} evaluations done"
            utils.append(u)
            steady.append(u_steady)
            spans.append(span)
        out["modes"][mode] = {"utilization_median": statistics.median(utils), "utilization_runs": utils,
                              "utilization_to_last_dispatch_median": statistics.median(steady),
                              "span_s_median": statistics.median(spans)}
        print(f"{mode:10s} utilization {statistics.median(utils) * 100:5.1f}%  "
              f"(runs: {', '.join(f'{u * 100:.1f}' for u in utils)}); to the last dispatch "
              f"{statistics.median(steady) * 100:5.1f}%  span {statistics.median(spans):.1f} s", flush=True)
    pathlib.Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
