#!/usr/bin/python3
"""Where a no-op sweep's time goes, for two builds side by side: dispatch (first dispatch -> last task ended),
the store's tail (last task ended -> last commit), the whole command, and the server CPU per dispatch.

    benchmarks/store_tail.py --before PREFIX_A --after PREFIX_B [--tasks 100000] [--runs 2] [--json F]

PREFIX holds bin/supervisor (a build directory or an install tree). run_all's tasks/s counts up to the last
commit, so a build can dispatch faster and still read slower there when its store's tail grows.
"""
import argparse
import datetime
import json
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from compare_builds import run_all  # noqa: E402  (run_all has no .py: compare_builds loads it)

grid_factors = run_all.grid_factors


def grid(n):
    lists = "".join(f"    p{k}: [{', '.join(str(i) for i in range(size))}]\n" for k, size in enumerate(grid_factors(n)))
    return f"name: tail\nworkflow: sweep\nmodel: {{kind: noop}}\nsweep:\n  grid:\n{lists}"


def one_run(binary, n):
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sv-tail-"))
    (tmp / "wf.yaml").write_text(grid(n))
    t0 = time.time()
    subprocess.run([str(binary), "run", str(tmp / "wf.yaml"), "--workers", "1", "--out", str(tmp / "run")],
                   check=True, capture_output=True, cwd=tmp)
    wall = time.time() - t0
    con = sqlite3.connect(tmp / "run" / "supervisor.db")
    first, last_end = con.execute("SELECT min(dispatch_time), max(end_time) FROM tasks").fetchone()
    committed = con.execute("SELECT updated FROM runs").fetchone()[0]
    cpu = con.execute("SELECT message FROM events WHERE message LIKE 'server CPU%'").fetchone()[0]
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {"dispatch_s": last_end - first, "tail_s": committed - last_end, "wall_s": wall, "server": cpu}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--tasks", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--json", help="default: benchmarks/results/store_tail-<date>.json")
    args = ap.parse_args()
    out = {"date": datetime.date.today().isoformat(), "command": " ".join(["benchmarks/store_tail.py"] + sys.argv[1:]),
           "tasks": args.tasks, "before": [], "after": []}
    for r in range(args.runs):
        for name in (("before", "after") if r % 2 == 0 else ("after", "before")):
            res = one_run(pathlib.Path(getattr(args, name)) / "bin" / "supervisor", args.tasks)
            out[name].append(res)
            print(f"{name:6s} dispatch {res['dispatch_s']:.2f} s  tail {res['tail_s']:.2f} s  "
                  f"command {res['wall_s']:.2f} s  | {res['server']}", flush=True)
    path = pathlib.Path(args.json or HERE / "results" / f"store_tail-{out['date']}.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
