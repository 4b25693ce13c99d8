"""The uq analysis: the aggregation node's statistics (model_runner.aggregate:uq) as CSV, with a
recomputation of the objective statistics from the replicas' own rows as a cross-check.

Terms: a *replica* is one training (node `<perturbation>.<r>`), a *perturbation* one named set of
parameter overrides; the *aggregate* node holds mean, std and percentiles over the replicas.
"""
import csv
import json
import pathlib
import re

from .stats import is_number, mean

AGGREGATE_ID = "aggregate"


def analyze(run):
    """{'aggregate': the aggregate node's result or None, 'replicas': rows, 'objective_rows': rows}."""
    aggregate = next((t for t in run.tasks if t["node_id"] == AGGREGATE_ID), None)
    replicas = [t for t in run.tasks if "_perturbation" in (t.get("params") or {})]
    rows = []
    for t in replicas:
        p = t["params"]
        rows.append({"node_id": t["node_id"], "perturbation": p["_perturbation"], "replica": p.get("_replica"),
                     "status": t["status"], "objective": t["objective"] if is_number(t["objective"]) else None,
                     "worker": t["worker"]})
    result = aggregate.get("result") if aggregate and aggregate.get("status") == "done" else None
    stats = []
    if isinstance(result, dict):
        obj = result.get("objective") or {}
        groups = [("all", obj.get("all") or {})] + sorted((obj.get("by_perturbation") or {}).items())
        for name, s in groups:
            stats.append(dict({"metric": result.get("metric"), "perturbation": name}, **s))
        for metric, m in sorted((result.get("metrics") or {}).items()):
            for name, s in [("all", m.get("all") or {})] + sorted((m.get("by_perturbation") or {}).items()):
                stats.append(dict({"metric": metric, "perturbation": name}, **s))
    return {"aggregate": aggregate, "result": result, "replicas": rows, "stats": stats,
            "check_mean": mean(r["objective"] for r in rows if r["objective"] is not None)}


def write_csv(res, out_dir):
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "uq_replicas.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        cols = ["node_id", "perturbation", "replica", "status", "objective", "worker"]
        w.writerow(cols)
        for r in res["replicas"]:
            w.writerow(["" if r[c] is None else r[c] for c in cols])
    cols = ["metric", "perturbation", "n", "mean", "std", "min", "max"]
    extra = sorted({k for s in res["stats"] for k in s if re.fullmatch(r"p[0-9.]+", k)}, key=lambda k: float(k[1:]))
    with open(out / "uq_stats.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols + extra)
        for s in res["stats"]:
            w.writerow(["" if s.get(c) is None else s.get(c) for c in cols + extra])
    if res["result"] and isinstance(res["result"].get("predictions"), dict):
        (out / "uq_predictions.json").write_text(json.dumps(res["result"]["predictions"], indent=1))
    return out


def format_summary(res):
    if not res["result"]:
        state = res["aggregate"]["status"] if res["aggregate"] else "not added yet"
        return f"aggregate node: {state}; {len(res['replicas'])} replicas recorded"
    r = res["result"]
    lines = [f"{r.get('replicas_done')} of {r.get('replicas')} replicas done; {r.get('metric')}:"]
    for s in res["stats"]:
        if s["metric"] != r.get("metric"):
            continue
        lines.append(f"  {s['perturbation']:<14} n={s.get('n')} mean={s.get('mean', float('nan')):.6g} "
                     f"std={s.get('std', float('nan')):.4g}")
    pred = r.get("predictions")
    if isinstance(pred, dict):
        lines.append(f"per-sample predictions: {pred.get('samples')} samples, table {pred.get('file')}")
        for name, info in sorted((pred.get("by_perturbation") or {}).items()):
            lines.append(f"  {name:<14} mean std {info.get('mean_std', 0):.4g}, ensemble mse "
                         f"{info.get('ensemble_mse', float('nan')):.4g}")
    return "\n".join(lines)
