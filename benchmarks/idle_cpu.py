#!/usr/bin/env python3
"""Idle-rank CPU: 8 ranks on 2 cores (the server and 7 workers) while one worker runs a long task and six
have nothing to do. Samples each rank's CPU time from /proc over a window and reports percent of one core.
A rank blocked in MPI_Recv would show ~100% / busy-poll; ours wait with probe-and-backoff.

    /usr/bin/python3 benchmarks/idle_cpu.py [--window 5] [--json benchmarks/results/idle_cpu.json]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import BINARY  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rank_pids(binary):
    out = subprocess.run(["pgrep", "-f", f"^{binary} run"], capture_output=True, text=True).stdout.split()
    pids = []
    for pid in map(int, out):
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        rank = next((e.split(b"=", 1)[1] for e in env if e.startswith(b"OMPI_COMM_WORLD_RANK=")), None)
        if rank is not None:
            pids.append((int(rank), pid))
    return sorted(pids)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=7)
    ap.add_argument("--json", default=str(pathlib.Path(__file__).resolve().parent / "results" / "idle_cpu.json"))
    args = ap.parse_args()

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sv-idle-"))
    sleep = args.window + 6
    (tmp / "wf.yaml").write_text(f"""
name: idle
workflow: sweep
model: {{kind: python, entry: "model_runner.examples.quadratic:run"}}
sweep: {{list: [{{x: 1, sleep: {sleep}}}]}}
""")
    proc = subprocess.Popen([str(BINARY), "run", str(tmp / "wf.yaml"), "--workers", str(args.workers),
                             "--out", str(tmp / "run")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)  # start-up: interpreters initialize, the one task is handed out
    pids = rank_pids(BINARY)
    before = {r: cpu_seconds(p) for r, p in pids}
    t0 = time.monotonic()
    time.sleep(args.window)
    after = {r: cpu_seconds(p) for r, p in pids}
    dt = time.monotonic() - t0
    proc.wait(timeout=sleep + 60)
    pct = {r: 100.0 * (after[r] - before[r]) / dt for r, _ in pids}
    result = {"ranks": len(pids), "cores": os.cpu_count(), "window_s": dt,
              "cpu_percent_by_rank": pct,
              "max_worker_percent": max(v for r, v in pct.items() if r != 0),
              "server_percent": pct.get(0)}
    for r in sorted(pct):
        print(f"rank {r}: {pct[r]:5.2f}% of a core" + (" (server)" if r == 0 else ""))
    print(f"max worker: {result['max_worker_percent']:.2f}%  ({len(pids)} ranks on {os.cpu_count()} cores)")
    pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    if proc.returncode != 0:
        print(proc.stderr.read().decode()[-2000:], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
