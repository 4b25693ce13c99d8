"""Uncertainty quantification: the aggregation node's statistics of a uq run — the objective's mean, std
and percentiles per perturbation, and how much each validation sample's prediction varies across the
replicas (from the aggregate's per-sample table). Runs without a uq aggregate leave it out."""
import csv
import os

import numpy as np

from .. import markup as m
from .. import plots
from ..registry import section


def _sample_stds(path):
    """{perturbation: per-sample std array} from the aggregate's uq_samples.csv, {} when unreadable."""
    if not path or not os.path.exists(path):
        return {}
    out = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                out.setdefault(row["perturbation"], []).append(float(row["std"]))
            except (KeyError, ValueError):
                continue
    return {k: np.asarray(v) for k, v in out.items()}


@section("uq", "Uncertainty quantification", order=46)
def render(run):
    agg = next((t for t in run.tasks if t.node_id == "aggregate" and "_perturbation" not in t.params), None)
    replicas = [t for t in run.tasks if "_perturbation" in t.params]
    if not replicas:
        return None
    if agg is None or agg.status != "done" or not isinstance(agg.result, dict):
        state = agg.status if agg is not None else "not added yet (replicas still running)"
        return m.note(f"{len(replicas)} replicas recorded; the aggregation node is {state}.")
    r = agg.result
    obj = r.get("objective") or {}
    groups = sorted((obj.get("by_perturbation") or {}).items())
    qs = sorted({k for _, s in groups for k in s if k[:1] == "p" and k[1:].replace(".", "").isdigit()},
                key=lambda k: float(k[1:]))
    rows = [[name, s.get("n"), s.get("mean"), s.get("std")] + [s.get(q) for q in qs] for name, s in groups]
    allstats = obj.get("all") or {}
    rows.append(["all", allstats.get("n"), allstats.get("mean"), allstats.get("std")] + [allstats.get(q) for q in qs])
    parts = [m.facts([("replicas", f"{r.get('replicas_done')} done of {r.get('replicas')}"),
                      ("metric", r.get("metric")),
                      ("mean over all replicas", allstats.get("mean")),
                      ("std over all replicas", allstats.get("std"))]),
             m.table(["perturbation", "n", "mean", "std"] + qs, rows, numeric=range(1, 4 + len(qs)))]
    stds = _sample_stds((r.get("predictions") or {}).get("file"))
    fig, axes = plots.figure(10, 3.2, ncols=2 if stds else 1, squeeze=False)
    ax = axes[0][0]
    names = [n for n, _ in groups]
    ax.bar(names, [s.get("mean", np.nan) for _, s in groups], yerr=[s.get("std", 0) for _, s in groups],
           color="#2e6fb5", alpha=0.8, capsize=4)
    for i, (name, _) in enumerate(groups):
        ys = [t.objective for t in replicas if t.params.get("_perturbation") == name and t.objective is not None]
        ax.scatter([i] * len(ys), ys, color="black", s=10, zorder=3)
    ax.set_ylabel(r.get("metric") or "objective")
    ax.set_title("objective per perturbation (mean ± std, replicas as dots)")
    if stds:
        ax2 = axes[0][1]
        for name in names:
            if name in stds:
                ax2.hist(stds[name], bins=30, histtype="step", label=name)
        ax2.set_xlabel("per-sample std of the prediction across replicas")
        ax2.set_title("prediction spread per sample")
        ax2.legend(fontsize=7)
    parts.append(plots.embed(fig, "uq statistics per perturbation"))
    pred = r.get("predictions")
    if isinstance(pred, dict):
        info = sorted((pred.get("by_perturbation") or {}).items())
        keys = sorted({k for _, i in info for k in i})
        parts.append(m.table(["perturbation"] + keys, [[n] + [i.get(k) for k in keys] for n, i in info],
                             numeric=range(1, 1 + len(keys))))
        parts.append(m.note(f"Per-sample table ({pred.get('samples')} samples): {pred.get('file')}"))
    return "\n".join(parts)
