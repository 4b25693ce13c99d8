#!/usr/bin/env python3
"""Foundation benchmark: no-op throughput and one-at-a-time round trip through the full stack (MPI
balancer, engine, SQLite store recording every task), and the per-task cost of an embedded Python call vs
an app task vs a fresh python3 process per task. Median of several runs; writes JSON and a Markdown table.

    /usr/bin/python3 benchmarks/foundation.py [--runs 5] [--json benchmarks/results/foundation.json]
"""
import argparse
import json
import pathlib
import platform
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import median_spread, run_workflow, store_span  # noqa: E402


def sweep_yaml(model, n, resources=""):
    return f"""
name: bench
workflow: sweep
model: {{{model}}}
sweep:
  grid:
    i: [{", ".join(str(i) for i in range(n))}]
resources: {{{resources}}}
"""


CASES = [
    # (key, description, model yaml, tasks, workers[, resources yaml])
    ("noop_tps_1w", "no-op tasks/s, 1 worker", "kind: noop", 100000, 1),
    ("noop_tps_4w", "no-op tasks/s, 4 workers", "kind: noop", 100000, 4),
    ("python_tps_1w", "embedded Python no-op model tasks/s, 1 worker",
     'kind: python, entry: "model_runner.examples.noop:run", task_files: false', 20000, 1),
    ("isolated_python_tps_1w", "isolated-shell Python no-op model tasks/s, 1 worker",
     'kind: python, entry: "model_runner.examples.noop:run", task_files: false', 20000, 1, "shell: isolated"),
    ("app_tps_1w", "app task (/bin/echo) tasks/s, 1 worker",
     'kind: app, command: [/bin/echo, "{{\\"val_loss\\": 0}}"], task_files: false', 300, 1),
    ("fresh_python_tps_1w", "fresh python3 process per task, tasks/s, 1 worker",
     'kind: app, command: [/usr/bin/python3, "-c", "import json; print(json.dumps({{\\"val_loss\\": 0}}))"], '
     'task_files: false', 100, 1),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", default=str(pathlib.Path(__file__).resolve().parent / "results" / "foundation.json"))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply task counts (for a quick look)")
    ap.add_argument("--only", nargs="*", help="run only these rows (keys), keeping the others from --json")
    args = ap.parse_args()

    results = {"machine": platform.node(), "date": time.strftime("%Y-%m-%d %H:%M"), "runs": args.runs,
               "rows": {}}
    if args.only and pathlib.Path(args.json).exists():
        results["rows"] = json.loads(pathlib.Path(args.json).read_text()).get("rows", {})
    for key, desc, model, n, workers, *resources in CASES:
        if args.only and key not in args.only:
            continue
        n = max(10, int(n * args.scale))
        tps = []
        for _ in range(args.runs):
            out, _wall = run_workflow(sweep_yaml(model, n, *resources), workers)
            done, span = store_span(out)
            assert done == n, f"{key}: {done} of {n} tasks done"
            tps.append(done / span)
        row = median_spread(tps)
        row.update({"description": desc, "tasks": n, "workers": workers,
                    "per_task_us": 1e6 / row["median"] * workers})
        results["rows"][key] = row
        print(f"{desc:55s} {row['median']:12.1f}/s  (min {row['min']:.1f}, max {row['max']:.1f})  "
              f"{row['per_task_us']:10.1f} us/task/worker", flush=True)

    rows = results["rows"]
    results["roundtrip_us_1w"] = 1e6 / rows["noop_tps_1w"]["median"]
    results["fresh_over_embedded"] = rows["python_tps_1w"]["median"] / rows["fresh_python_tps_1w"]["median"]
    results["isolated_overhead_us"] = (1e6 / rows["isolated_python_tps_1w"]["median"]
                                       - 1e6 / rows["python_tps_1w"]["median"])
    pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"one-at-a-time round trip (1 worker, store on): {results['roundtrip_us_1w']:.2f} us")
    print(f"embedded Python is {results['fresh_over_embedded']:.0f}x a fresh python3 per task")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
