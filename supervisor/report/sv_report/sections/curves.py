"""Training curves: the per-epoch metrics models reported through ctx.report, one panel per metric, one
line per task (its latest attempt), coloured by the task's objective. Runs without metrics leave it out."""
import numpy as np

from .. import markup as m
from .. import plots
from ..registry import section
from sv_runstore import is_number

MAX_METRICS = 6
MAX_LINES = 60


def curves_by_task(run):
    """{task_id: {metric: [(epoch, value), ...]}} from each task's latest attempt."""
    latest = {}
    for r in run.metrics:
        latest[r.task_id] = max(latest.get(r.task_id, r.attempt), r.attempt)
    out = {}
    for r in run.metrics:
        if r.attempt != latest[r.task_id]:
            continue
        per = out.setdefault(r.task_id, {})
        for k, v in r.values.items():
            if k != "epoch" and is_number(v):  # ctx.report repeats the epoch among the metrics
                per.setdefault(k, []).append((r.epoch, float(v)))
    return out


@section("curves", "Training curves", order=60)
def render(run):
    curves = curves_by_task(run)
    if not curves:
        return None
    keys = []
    for per in curves.values():
        keys += [k for k in per if k not in keys]
    by_id = {t.id: t for t in run.tasks}
    minimize = run.minimize
    # The best tasks first, so a crowded run shows its most interesting curves.
    ids = sorted(curves, key=lambda i: (by_id.get(i) is None or by_id[i].objective is None,
                                        (by_id[i].objective if minimize else -by_id[i].objective)
                                        if by_id.get(i) is not None and by_id[i].objective is not None else 0, i))
    shown = ids[:MAX_LINES]
    objs = [by_id[i].objective for i in shown if by_id.get(i) is not None and by_id[i].objective is not None]
    plt = plots.require_matplotlib()
    cmap = plt.get_cmap("viridis_r" if minimize else "viridis")
    norm = plt.Normalize(min(objs), max(objs) if max(objs) > min(objs) else min(objs) + 1) if objs else None

    metrics = keys[:MAX_METRICS]
    cols = min(2, len(metrics))
    rows = -(-len(metrics) // cols)
    colorbar = norm is not None and len(shown) > 10  # too many lines for a legend: colour says the objective
    fig, axes = plots.figure(5.0 * cols if cols > 1 else 7.5, 3.0 * rows, nrows=rows, ncols=cols, squeeze=False,
                             layout="constrained" if colorbar else None)
    for j, key in enumerate(metrics):
        ax = axes[j // cols][j % cols]
        for i in shown:
            pts = sorted(curves[i].get(key, []))
            if not pts:
                continue
            t = by_id.get(i)
            scored = t is not None and t.objective is not None and norm is not None
            ax.plot([p[0] for p in pts], [p[1] for p in pts], linewidth=1,
                    color=cmap(norm(t.objective)) if scored else "#999999",
                    linestyle="-" if scored else "--", alpha=0.85,
                    label=(t.node_id if t is not None else str(i)) if len(shown) <= 10 else None)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.set_ylabel(key)
        vals = [p[1] for i in shown for p in curves[i].get(key, [])]
        if vals and min(vals) > 0 and max(vals) / min(vals) > 1e3:
            ax.set_yscale("log")
        if len(shown) <= 10 and j == 0:
            ax.legend(fontsize=7, title="node", title_fontsize=7)
    for j in range(len(metrics), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    if colorbar:
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
        fig.colorbar(sm, ax=axes.ravel().tolist(), label=run.objectives[0].metric, shrink=0.8)
    parts = [m.facts([("tasks with per-epoch metrics", len(curves)),
                      ("metrics", ", ".join(keys)),
                      ("most epochs", max(p[0] for per in curves.values() for v in per.values() for p in v)
                       if any(per for per in curves.values()) else None)]),
             plots.embed(fig, "per-epoch training curves")]
    notes = []
    if len(ids) > MAX_LINES:
        notes.append(f"the {MAX_LINES} best of {len(ids)} tasks are drawn")
    if len(keys) > MAX_METRICS:
        notes.append("metrics left out: " + ", ".join(keys[MAX_METRICS:]))
    if notes:
        parts.append(m.note("; ".join(notes) + "."))
    return "\n".join(parts)
