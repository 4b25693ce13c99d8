"""Shared helpers for the benchmarks: run the real `supervisor` binary, read timings back from the store."""
import os
import pathlib
import sqlite3
import statistics
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("SV_BUILD_DIR", ROOT / "build"))
BINARY = BUILD / "bin" / "supervisor"


def run_workflow(yaml_text, workers, timeout=600):
    """Runs a workflow to the end; returns (out_dir, wall seconds of the whole command)."""
    import time
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sv-bench-"))
    wf = tmp / "wf.yaml"
    wf.write_text(yaml_text)
    out = tmp / "run"
    t0 = time.perf_counter()
    proc = subprocess.run([str(BINARY), "run", str(wf), "--workers", str(workers), "--out", str(out)],
                          capture_output=True, text=True, timeout=timeout, cwd=tmp)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return out, wall


def store_span(out_dir):
    """(tasks done, seconds from the first dispatch until the last result was committed to the store).

    runs.updated is stamped by every store commit, so the span includes writing every task row."""
    con = sqlite3.connect(f"file:{out_dir / 'supervisor.db'}?mode=ro", uri=True)
    n, first, last = con.execute(
        "SELECT count(*), min(dispatch_time), max(end_time) FROM tasks WHERE status='done'").fetchone()
    committed = con.execute("SELECT updated FROM runs").fetchone()[0]
    con.close()
    return n, max(last, committed) - first


def median_spread(values):
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1], "runs": len(values)}
