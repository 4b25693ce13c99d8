"""Aggregation models that workflows add as nodes of their own.

``uq(params, ctx)`` is the last node of ``workflow: uq`` (``model_runner.aggregate:uq``). Its
parameters come from the engine (supervisor/engine/uq.cpp): the objective ``metric`` and
``goal``, the ``percentiles`` to report, the ``perturbations`` (name, overrides) and one entry
per replica (``id``, ``perturbation``, ``replica``, ``status``, ``objective``, ``result``: the
replica's scalar results, among them ``predictions``, a ``.npz`` file with ``pred`` and
``target`` per validation sample when the model wrote one).

It answers with the mean objective under ``metric`` (so the run's objective column holds it),
the objective's statistics overall and per perturbation, the same for the other scalar metrics
every replica reported, and per-sample prediction statistics; the per-sample table goes to
``task_dir/uq_samples.csv``.
"""
import csv
import math
import os

import numpy as np

__all__ = ["uq", "describe"]

ALL = "all"


def _key(q):
    return "p" + (f"{q:g}")


def describe(values, percentiles):
    """n, mean, std (n-1 in the denominator), min, max and the percentiles of ``values``."""
    a = np.asarray(values, dtype=float)
    out = {"n": int(a.size)}
    if a.size == 0:
        return out
    out.update({"mean": float(a.mean()), "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
                "min": float(a.min()), "max": float(a.max())})
    for q, v in zip(percentiles, np.percentile(a, percentiles)):
        out[_key(q)] = float(v)
    return out


def _grouped(done, names, value, percentiles):
    groups = {name: [value(r) for r in done if r["perturbation"] == name] for name in names}
    stats = {name: describe([v for v in vs if v is not None], percentiles) for name, vs in groups.items()}
    everything = [value(r) for r in done]
    return {ALL: describe([v for v in everything if v is not None], percentiles), "by_perturbation": stats}


def _scalar_metrics(done):
    """Finite numbers every done replica reported (other than bookkeeping counters)."""
    skip = {"epochs_run", "best_epoch", "resumed_from_epoch", "steps", "n_train", "n_val", "n_cells",
            "mc_dropout"}
    common = None
    for r in done:
        names = {k for k, v in (r.get("result") or {}).items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}
        common = names if common is None else common & names
    return sorted((common or set()) - skip)


def _predictions(done, names, percentiles, folder):
    files = {r["id"]: (r.get("result") or {}).get("predictions") for r in done}
    files = {k: v for k, v in files.items() if isinstance(v, str) and os.path.exists(v)}
    if not files:
        return None
    loaded = {}
    for rid, path in files.items():
        with np.load(path) as z:
            loaded[rid] = {"pred": np.asarray(z["pred"], dtype=float),
                           "target": np.asarray(z["target"], dtype=float) if "target" in z else None,
                           "row": np.asarray(z["row"]) if "row" in z else None}
    first = next(iter(loaded.values()))
    n = first["pred"].size
    for rid, d in loaded.items():
        if d["pred"].size != n or (first["row"] is not None and d["row"] is not None
                                   and not np.array_equal(first["row"], d["row"])):
            raise ValueError(f"replica {rid} predicted other samples than the first replica "
                             f"({d['pred'].size} vs {n}); every replica must predict the same rows")
    target, rows = first["target"], first["row"]
    groups = [(name, [r["id"] for r in done if r["perturbation"] == name and r["id"] in loaded])
              for name in names]
    groups.append((ALL, [r["id"] for r in done if r["id"] in loaded]))
    path = os.path.join(folder, "uq_samples.csv")
    summary = {"samples": int(n), "file": path, "by_perturbation": {}}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["perturbation", "sample", "row", "target", "n", "mean", "std"]
                     + [_key(q) for q in percentiles])
        for name, ids in groups:
            if not ids:
                continue
            stack = np.stack([loaded[i]["pred"] for i in ids])  # replicas x samples
            mean = stack.mean(axis=0)
            std = stack.std(axis=0, ddof=1) if len(ids) > 1 else np.zeros(n)
            pct = np.percentile(stack, percentiles, axis=0)
            for s in range(n):
                out.writerow([name, s, "" if rows is None else int(rows[s]),
                              "" if target is None else f"{target[s]:.6g}", len(ids),
                              f"{mean[s]:.6g}", f"{std[s]:.6g}"] + [f"{v:.6g}" for v in pct[:, s]])
            info = {"replicas": len(ids), "mean_std": float(std.mean()), "median_std": float(np.median(std)),
                    "max_std": float(std.max())}
            if target is not None:
                info["ensemble_mse"] = float(((mean - target) ** 2).mean())
                lo, hi = min(percentiles), max(percentiles)
                if len(ids) > 1 and hi > lo:
                    inside = (target >= np.percentile(stack, lo, axis=0)) & (target <= np.percentile(stack, hi, axis=0))
                    info[f"coverage_{_key(lo)}_{_key(hi)}"] = float(inside.mean())
            if name == ALL:
                summary[ALL] = info
            else:
                summary["by_perturbation"][name] = info
    return summary


def uq(params, ctx):
    """The uq aggregation node: statistics over replicas and perturbations (see the module doc)."""
    metric = params.get("metric") or "val_loss"
    percentiles = [float(q) for q in params.get("percentiles") or [5, 25, 50, 75, 95]]
    replicas = list(params.get("replicas") or [])
    names = [p["name"] for p in params.get("perturbations") or []]
    names = names or sorted({r["perturbation"] for r in replicas})
    done = [r for r in replicas if r.get("status") == "done" and isinstance(r.get("objective"), (int, float))]
    if not done:
        failed = [r for r in replicas if r.get("status") != "done"]
        first = failed[0].get("error", "") if failed else ""
        raise RuntimeError(f"no replica finished with an objective ({len(failed)} of {len(replicas)} failed"
                           + (f"; first: {first}" if first else "") + ")")
    objective = _grouped(done, names, lambda r: float(r["objective"]), percentiles)
    result = {
        metric: objective[ALL]["mean"],
        "metric": metric,
        "goal": params.get("goal", "minimize"),
        "replicas": len(replicas),
        "replicas_done": len(done),
        "replicas_failed": len(replicas) - len(done),
        "failed": [r["id"] for r in replicas if r not in done],
        "objective": objective,
        "metrics": {m: _grouped(done, names, lambda r, m=m: float(r["result"][m]), percentiles)
                    for m in _scalar_metrics(done) if m != metric},
    }
    predictions = _predictions(done, names, percentiles, ctx.task_dir)
    if predictions is not None:
        result["predictions"] = predictions
    return result
