"""Why 16 time-sliced bare processes give ~5x one process here and not the ~8.7x of the issue's figures
(886/h for 1 process, 7,713/h for 16): two ways of running "bare" trainings side by side, in one call.

    python3 benchmarks/gpu_bare_modes.py --out results.json \
        --runs fresh-ckpt:1:12,fresh-ckpt:16:96,resident-ckpt:1:16,resident-ckpt:16:96,resident:1:16,resident:16:96

MODE:K:TASKS, K processes on GPU 0 sharing TASKS trainings of the uno example (5 epochs, n_rows 40000,
batch 256, on cuda; gpu_packing.py's sweep points):
- `fresh`: a new Python per training (it imports torch and initializes CUDA each time), K such lanes at once;
  the way a user without a supervisor runs one training per command.
- `resident`: one Python per lane that imports torch once and trains its share in a loop (gpu_packing.py's
  `bare`).
- `-ckpt`: the uno example's own defaults for files: a checkpoint every epoch and a weights file at the end
  (`checkpoint_every: 1`, `save_weights: true`, `patience: 5`), written to a task folder per training; without
  it both are off, as gpu_packing.py ran them.
Per run: models/hour over the trainings' own span (first training start to last training end, as
gpu_packing.py counts) and over the processes' span (first process launch to last exit, which a fresh
Python's import and CUDA start-up count against), the mean seconds of a training, of a fresh process's
`import torch`, and of a whole fresh process, and nvidia-smi's mean busy. The JSON is rewritten after each
run, so a run cut short by a time limit still leaves the runs before it.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from gpu_packing import PARAMS, SmiSampler, machine_facts, points  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
FILES_ON = {"checkpoint_every": 1, "save_weights": True, "patience": 5}  # uno_default_model.txt

# One training per process: times the import, then the training, and writes one JSON row.
FRESH = r"""
import json, sys, time
t0 = time.time()
import torch, numpy
from model_runner.standalone import run_model
t1 = time.time()
params, p, task_dir, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
o = run_model("model_runner.examples.uno:run", dict(params, **p), metric="val_loss", task_dir=task_dir or None)
json.dump({"py_start": t0, "import_s": t1 - t0, "start": t1, "end": time.time(), "ok": o.ok,
           "error": o.error[-300:]}, open(out, "w"))
"""

# One process for a lane's whole share (gpu_packing.py's BARE, with task folders when files are on).
RESIDENT = r"""
import json, os, sys, time
import torch, numpy
from model_runner.standalone import run_model
params, mine, base, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = []
for i, p in enumerate(mine):
    t0 = time.time()
    o = run_model("model_runner.examples.uno:run", dict(params, **p), metric="val_loss",
                  task_dir=os.path.join(base, str(p["seed"])) if base else None)
    rows.append({"start": t0, "end": time.time(), "ok": o.ok, "error": o.error[-300:]})
json.dump(rows, open(out, "w"))
"""


def lane_fresh(params, share, work, lane, files, env, rows):
    for p in share:
        out = work / f"r{p['seed']}.json"
        task_dir = str(work / "tasks" / str(p["seed"])) if files else ""
        launched = time.time()
        code = subprocess.run([sys.executable, "-c", FRESH, json.dumps(params), json.dumps(p), task_dir,
                               str(out)], env=env).returncode
        exited = time.time()
        row = json.loads(out.read_text()) if out.exists() else {"ok": False, "error": f"exit {code}"}
        row.update({"launched": launched, "exited": exited, "lane": lane})
        rows.append(row)


def run_mode(mode, k, n, tmp):
    files = mode.endswith("-ckpt")
    params = dict(PARAMS, **FILES_ON) if files else dict(PARAMS)
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"{mode}{k}-", dir=tmp))
    share = [points(n)[i::k] for i in range(k)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="0")
    rows = []
    t0 = time.time()
    if mode.startswith("fresh"):
        threads = [threading.Thread(target=lane_fresh, args=(params, share[i], work, i, files, env, rows))
                   for i in range(k)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        base = str(work / "tasks") if files else ""
        procs = [subprocess.Popen([sys.executable, "-c", RESIDENT, json.dumps(params), json.dumps(share[i]),
                                   base, str(work / f"p{i}.json")], env=env) for i in range(k)]
        launched = time.time()
        codes = [p.wait() for p in procs]
        exited = time.time()
        for i in range(k):
            f = work / f"p{i}.json"
            for r in (json.loads(f.read_text()) if f.exists() else [{"ok": False, "error": f"exit {codes[i]}"}]):
                r.update({"launched": launched, "exited": exited, "lane": i})
                rows.append(r)
    wall = time.time() - t0
    done = [r for r in rows if r["ok"]]
    if not done:
        raise RuntimeError(f"{mode} {k}: no training succeeded: {rows[0]['error'] if rows else ''}")
    first, last = min(r["start"] for r in done), max(r["end"] for r in done)
    p_first, p_last = min(r["launched"] for r in done), max(r["exited"] for r in done)
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    weights = sum(1 for p in (work / "tasks").rglob("weights.pt")) if files else 0
    checkpoints = sum(1 for p in (work / "tasks").rglob("*") if "checkpoint" in str(p) and p.is_file()) if files else 0
    return {"done": len(done), "failed": len(rows) - len(done), "wall_s": wall,
            "first": first, "last": last, "train_span_s": last - first,
            "models_per_hour": len(done) / (last - first) * 3600,
            "process_span_s": p_last - p_first,
            "models_per_hour_process_span": len(done) / (p_last - p_first) * 3600,
            # as if each lane did nothing but train: trainings / (training seconds / lanes)
            "models_per_hour_training_only": len(done) * 3600 / (sum(r["end"] - r["start"] for r in done) / k),
            "mean_training_s": mean([r["end"] - r["start"] for r in done]),
            "mean_import_s": mean([r["import_s"] for r in done if "import_s" in r]),
            "mean_process_s": mean([r["exited"] - r["launched"] for r in done]) if mode.startswith("fresh") else None,
            "weights_files": weights, "checkpoint_files": checkpoints, "files_on": files,
            "errors": sorted({r["error"][-200:] for r in rows if not r["ok"]})[:3]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="fresh-ckpt:1:12,fresh-ckpt:16:96,resident-ckpt:1:16,resident-ckpt:16:96,"
                                      "resident:1:16,resident:16:96,fresh:1:12,fresh:16:96")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda", help="the uno's device (cpu only to try the script here)")
    args = ap.parse_args()
    PARAMS["device"] = args.device
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gpu-bare-modes-"))
    result = {"machine": machine_facts(), "params": PARAMS, "files_on": FILES_ON, "runs": []}
    out = pathlib.Path(args.out)
    with SmiSampler() as smi:
        for spec in args.runs.split(","):
            mode, k, n = spec.split(":")
            k, n = int(k), int(n)
            print(f"gpu_bare_modes: {spec} ...", flush=True)
            try:
                r = run_mode(mode, k, n, tmp)
                r["smi_gpu_busy"] = smi.mean_busy(r["first"], r["last"])
            except Exception as e:  # one failed configuration must not lose the others' numbers
                r = {"error": str(e)[-3000:]}
            r.update({"mode": mode, "workers": k, "tasks": n})
            result["runs"].append(r)
            print(f"gpu_bare_modes: {spec}: " + json.dumps({k_: r.get(k_) for k_ in (
                "done", "failed", "models_per_hour", "models_per_hour_process_span", "models_per_hour_training_only", "mean_training_s",
                "mean_import_s", "mean_process_s", "wall_s", "smi_gpu_busy", "error")}), flush=True)
            out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
