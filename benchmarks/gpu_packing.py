"""Packing trainings onto one GPU: the uno sweep with K workers on one GPU, through the supervisor
(time-slicing and CUDA MPS) and as K bare processes without it, in the same call.

    python3 benchmarks/gpu_packing.py --binary P/bin/supervisor --out results.json \
        --runs sup:16,bare:16,sup-mps:16,bare-mps:16,sup:8,sup:1 --tasks 96

Each run: the uno example (5 epochs, n_rows 40000, batch 256, on cuda; one training per sweep point),
`--tasks` trainings (a run spec `sup:1:32` overrides the count). Per run the JSON holds models/hour of
training time (trainings done / seconds from the first training's start to the last one's end), the wall
time of the whole command, GPU busy from nvidia-smi (sampled every second, mean over the same interval) and,
for supervisor runs, GPU busy from the store's gpu_samples (the supervisor's NVML sampler).
"""
import argparse
import json
import os
import pathlib
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
PARAMS = {"epochs": 5, "n_rows": 40000, "batch_size": 256, "device": "cuda", "checkpoint_every": 0,
          "save_weights": False, "patience": 0}


def points(n):
    """n distinct sweep points: learning rate x dropout x seed."""
    lrs, drops = [0.001, 0.002, 0.003, 0.005], [0.0, 0.1, 0.2]
    return [{"learning_rate": lrs[i % 4], "dropout": drops[(i // 4) % 3], "seed": i} for i in range(n)]


def workflow_yaml(n, workers, mps):
    lines = ["name: gpu-packing", "workflow: sweep", "model:", "  kind: python",
             "  entry: model_runner.examples.uno:run", "  defaults:"]
    lines += [f"    {k}: {json.dumps(v)}" for k, v in PARAMS.items()]
    lines += ["  timeout: 900", "sweep:", "  list:"]
    lines += ["    - " + json.dumps(p) for p in points(n)]
    lines += ["objective:", "  metric: val_loss", "  goal: minimize", "resources:", f"  workers: {workers}",
              "  preload: [torch, numpy]", f"  workers_per_gpu: {workers}",
              f"  gpu_sharing: {'mps' if mps else 'time_slicing'}"]
    return "\n".join(lines) + "\n"


class SmiSampler:
    """nvidia-smi every second: (time, busy %, memory MiB) of GPU 0."""

    def __init__(self):
        self.rows, self._stop = [], threading.Event()
        self.available = shutil.which("nvidia-smi") is not None
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used",
                                      "--format=csv,noheader,nounits", "-i", "0"],
                                     capture_output=True, text=True, timeout=10).stdout.strip()
                busy, mem = (float(x) for x in out.split(","))
                self.rows.append((time.time(), busy, mem))
            except Exception:  # a missed second is not a reason to stop the benchmark
                pass
            self._stop.wait(1.0)

    def __enter__(self):
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self.available:
            self._thread.join()

    def mean_busy(self, t0, t1):
        vals = [b for t, b, _ in self.rows if t0 <= t <= t1]
        return sum(vals) / len(vals) / 100.0 if vals else None


class MpsDaemon:
    """An MPS control daemon of the benchmark's own, for the bare-process runs."""

    def __init__(self, base):
        self.env = dict(os.environ, CUDA_MPS_PIPE_DIRECTORY=str(base / "pipe"),
                        CUDA_MPS_LOG_DIRECTORY=str(base / "log"))
        (base / "pipe").mkdir(parents=True)
        (base / "log").mkdir(parents=True)

    def __enter__(self):
        subprocess.run(["nvidia-cuda-mps-control", "-d"], env=self.env, check=True, timeout=30)
        return self

    def __exit__(self, *exc):
        subprocess.run(["nvidia-cuda-mps-control"], input="quit\n", text=True, env=self.env, timeout=60)


BARE = r"""
import json, sys, time
import torch, numpy
from model_runner.standalone import run_model
params, mine, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
rows = []
for p in mine:
    t0 = time.time()
    o = run_model("model_runner.examples.uno:run", dict(params, **p), metric="val_loss")
    rows.append({"start": t0, "end": time.time(), "ok": o.ok, "error": o.error[-300:]})
json.dump(rows, open(out, "w"))
"""


def run_bare(k, n, python_root, tmp, mps):
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"bare{k}-", dir=tmp))
    share = [points(n)[i::k] for i in range(k)]
    env = dict(os.environ, PYTHONPATH=str(python_root), OMP_NUM_THREADS="1")
    daemon = MpsDaemon(work / "mps") if mps else None
    if daemon:
        daemon.__enter__()
        env.update(CUDA_MPS_PIPE_DIRECTORY=daemon.env["CUDA_MPS_PIPE_DIRECTORY"],
                   CUDA_MPS_LOG_DIRECTORY=daemon.env["CUDA_MPS_LOG_DIRECTORY"])
    t0 = time.time()
    try:
        procs = [subprocess.Popen([sys.executable, "-c", BARE, json.dumps(PARAMS), json.dumps(share[i]),
                                   str(work / f"p{i}.json")], env=env) for i in range(k)]
        codes = [p.wait() for p in procs]
    finally:
        if daemon:
            daemon.__exit__()
    wall = time.time() - t0
    rows = [r for i in range(k) if (work / f"p{i}.json").exists()
            for r in json.loads((work / f"p{i}.json").read_text())]
    done = [r for r in rows if r["ok"]]
    if not done:
        raise RuntimeError(f"bare {k}: no training succeeded (exit codes {codes}): "
                           f"{rows[0]['error'] if rows else ''}")
    first, last = min(r["start"] for r in done), max(r["end"] for r in done)
    return {"done": len(done), "failed": len(rows) - len(done), "first": first, "last": last, "wall_s": wall}


def run_supervisor(binary, k, n, tmp, mps):
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"sup{k}-", dir=tmp))
    (work / "wf.yaml").write_text(workflow_yaml(n, k, mps))
    t0 = time.time()
    proc = subprocess.run([str(binary), "run", str(work / "wf.yaml"), "--workers", str(k), "--out",
                           str(work / "run")], capture_output=True, text=True, cwd=work,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    wall = time.time() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"supervisor {k} (mps={mps}) failed ({proc.returncode}): {proc.stderr[-3000:]}")
    con = sqlite3.connect(f"file:{work / 'run' / 'supervisor.db'}?mode=ro", uri=True)
    done, first, last = con.execute("SELECT count(*), min(start_time), max(end_time) FROM tasks "
                                    "WHERE status='done'").fetchone()
    failed = con.execute("SELECT count(*) FROM tasks WHERE status='failed'").fetchone()[0]
    has = con.execute("SELECT 1 FROM sqlite_master WHERE name='gpu_samples'").fetchone()
    busy = samples = None
    if has:
        busy, samples = con.execute("SELECT avg(busy), count(*) FROM gpu_samples WHERE gpu=0 AND time "
                                    "BETWEEN ? AND ?", (first, last)).fetchone()
    events = [f"{k_}: {m}" for k_, m in con.execute("SELECT kind, message FROM events")]
    devices = sorted({json.loads(r or "{}").get("visible_devices", "?")
                      for (r,) in con.execute("SELECT result FROM tasks WHERE status='done'")})
    # The store's own record of each task's device (the workers' hellos), where the binary writes one.
    store_devices = sorted({d for (d,) in con.execute("SELECT devices FROM task_devices")}) \
        if con.execute("SELECT 1 FROM sqlite_master WHERE name='task_devices'").fetchone() else None
    con.close()
    return {"done": done, "failed": failed, "first": first, "last": last, "wall_s": wall,
            "store_gpu_busy": busy, "store_gpu_samples": samples, "events": events,
            "visible_devices": devices, "store_task_devices": store_devices, "stderr_tail": proc.stderr[-600:]}


def machine_facts():
    facts = {"host": platform.node(), "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    try:
        import torch
        facts["torch"] = torch.__version__
        facts["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except Exception as e:  # facts only
        facts["torch"] = f"not importable: {e}"
    if shutil.which("nvidia-smi"):
        facts["nvidia_smi"] = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                                              "--format=csv,noheader"], capture_output=True,
                                             text=True).stdout.strip()
    return facts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="the supervisor executable (an install tree's bin/)")
    ap.add_argument("--runs", default="sup:16,bare:16,sup-mps:16,bare-mps:16,sup:8,sup:4,sup:2,sup:1",
                    help="comma list of MODE:K[:TASKS], MODE one of sup, sup-mps, bare, bare-mps")
    ap.add_argument("--tasks", type=int, default=96)
    ap.add_argument("--uno-files", action="store_true",
                    help="keep the uno example's own checkpoint and weights files (checkpoint_every 1, "
                         "save_weights, patience 5) instead of turning them off")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.uno_files:
        PARAMS.update(checkpoint_every=1, save_weights=True, patience=5)
    binary = pathlib.Path(args.binary).resolve()
    python_root = binary.parent.parent / "share" / "supervisor" / "python"
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gpu-packing-"))
    result = {"machine": machine_facts(), "params": PARAMS, "runs": []}
    out = pathlib.Path(args.out)
    with SmiSampler() as smi:
        for spec in args.runs.split(","):
            parts = spec.split(":")
            mode, k = parts[0], int(parts[1])
            n = int(parts[2]) if len(parts) > 2 else args.tasks
            mps = mode.endswith("-mps")
            print(f"gpu_packing: {spec} ({n} trainings) ...", flush=True)
            try:
                if mode.startswith("bare"):
                    r = run_bare(k, n, python_root, tmp, mps)
                else:
                    r = run_supervisor(binary, k, n, tmp, mps)
            except Exception as e:  # one failed configuration must not lose the others' numbers
                r = {"error": str(e)[-3000:]}
            r.update({"mode": mode, "workers": k, "tasks": n})
            if "first" in r:
                span = r["last"] - r["first"]
                r["train_span_s"] = span
                r["models_per_hour"] = r["done"] / span * 3600 if span > 0 else None
                r["smi_gpu_busy"] = smi.mean_busy(r["first"], r["last"])
            result["runs"].append(r)
            print(f"gpu_packing: {spec}: " + json.dumps({k_: r.get(k_) for k_ in (
                "done", "failed", "models_per_hour", "wall_s", "smi_gpu_busy", "store_gpu_busy", "error")}),
                flush=True)
            out.write_text(json.dumps(result, indent=1))
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
