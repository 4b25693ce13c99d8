#!/usr/bin/env python3
"""`supervisor status` latency while the server writes: starts a large no-op sweep (the server commits
task rows continuously and the store grows to hundreds of thousands of rows) and calls `status` and
`status --json` back to back until the run ends, timing each whole command (process start included). Then
times both on the finished store. The bar: every call answers within a second, and the run is never
slowed into failure by its readers (WAL: a read-only reader neither waits for nor blocks the writer).

    /usr/bin/python3 benchmarks/status_latency.py [--tasks 300000] [--workers 4]
                                                  [--json benchmarks/results/status_latency.json]
Exit status 1 when a call took a second or more, failed, or the run failed.
"""
import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import BINARY  # noqa: E402

BAR_S = 1.0


def timed(argv):
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return time.perf_counter() - t0, proc


def summary(values):
    values = sorted(values)
    if not values:
        return {"calls": 0}
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return {"calls": len(values), "median_s": statistics.median(values), "p95_s": p95, "max_s": values[-1]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=300000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--json", default=str(pathlib.Path(__file__).resolve().parent / "results" / "status_latency.json"))
    args = ap.parse_args()

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sv-status-"))
    cols = 500  # a grid product: the workflow text stays small however many tasks it makes
    rows = max(1, args.tasks // cols)
    args.tasks = rows * cols
    (tmp / "wf.yaml").write_text(f"""
name: status-latency
workflow: sweep
model: {{kind: noop}}
sweep: {{grid: {{i: {json.dumps(list(range(rows)))}, j: {json.dumps(list(range(cols)))}}}}}
""")
    out = tmp / "run"
    job = subprocess.Popen([str(BINARY), "run", str(tmp / "wf.yaml"), "--workers", str(args.workers),
                            "--out", str(out)], cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not (out / "supervisor.db").exists() and job.poll() is None:
        time.sleep(0.05)

    live = {"text": [], "json": []}
    failures, rows_seen = [], []
    while job.poll() is None:
        for kind, extra in (("text", []), ("json", ["--json"])):
            dt, proc = timed([str(BINARY), "status", str(out), *extra])
            if proc.returncode != 0:
                if "no run row" in proc.stderr or "no such table" in proc.stderr:
                    continue  # the store was still being created
                failures.append(proc.stderr.strip())
                continue
            if kind == "json":
                st = json.loads(proc.stdout)
                if st["run"]["status"] != "running":
                    continue  # the run ended between our calls: not a reading under load
                rows_seen.append(st["counts"]["recorded"])
            live[kind].append(dt)
    _, err = job.communicate()
    after = {"text": [], "json": []}
    for _ in range(5):
        for kind, extra in (("text", []), ("json", ["--json"])):
            dt, proc = timed([str(BINARY), "status", str(out), *extra])
            (after[kind] if proc.returncode == 0 else failures).append(dt if proc.returncode == 0 else proc.stderr)

    result = {
        "machine": f"{platform.node()} ({os.cpu_count()} cores)", "tasks": args.tasks, "workers": args.workers,
        "run_exit_status": job.returncode,
        "rows_when_read": {"min": min(rows_seen, default=0), "max": max(rows_seen, default=0)},
        "while_running": {k: summary(v) for k, v in live.items()},
        "finished_store": {k: summary(v) for k, v in after.items()},
        "store_bytes": (out / "supervisor.db").stat().st_size if (out / "supervisor.db").exists() else 0,
        "failures": failures[:5], "bar_s": BAR_S,
    }
    worst = max([s.get("max_s", 0) for s in result["while_running"].values()] +
                [s.get("max_s", 0) for s in result["finished_store"].values()])
    result["ok"] = (job.returncode == 0 and not failures and worst < BAR_S and
                    result["while_running"]["json"].get("calls", 0) > 0)

    print(f"| case | calls | median | p95 | max |\n|---|---|---|---|---|")
    for label, block in (("while running", result["while_running"]), ("finished", result["finished_store"])):
        for kind, s in block.items():
            if s["calls"]:
                print(f"| status{' --json' if kind == 'json' else ''} {label} | {s['calls']} | "
                      f"{s['median_s'] * 1000:.0f} ms | {s['p95_s'] * 1000:.0f} ms | {s['max_s'] * 1000:.0f} ms |")
    print(f"store rows seen while running: {result['rows_when_read']['min']}..{result['rows_when_read']['max']} "
          f"of {args.tasks}; store {result['store_bytes'] / 1e6:.1f} MB; bar {BAR_S:.1f} s: "
          f"{'ok' if result['ok'] else 'FAILED'}")
    pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    if job.returncode != 0:
        print(err[-2000:], file=sys.stderr)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
