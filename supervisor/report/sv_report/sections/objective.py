"""Objective: every scored evaluation in the order its result arrived, with the best so far, by
evaluation number and by time since the run started."""
import numpy as np

from .. import markup as m
from .. import plots
from ..paramview import params_text
from ..registry import section
from .utilization import time_unit


def use_log(values):
    """Log scale when every value is positive and they span more than three decades."""
    v = np.asarray(values, dtype=float)
    return len(v) > 1 and v.min() > 0 and v.max() / v.min() > 1e3


def best_so_far(values, minimize):
    return np.minimum.accumulate(values) if minimize else np.maximum.accumulate(values)


@section("objective", "Objective", order=30)
def render(run):
    scored = run.scored()
    if not scored:
        return m.note("No task has finished with an objective yet.")
    obj = run.objectives[0]
    y = np.array([t.objective for t in scored], dtype=float)
    best = best_so_far(y, obj.minimize)
    i_best = int(np.argmin(y) if obj.minimize else np.argmax(y))
    n = np.arange(1, len(y) + 1)
    ends = np.array([t.end_time for t in scored]) - run.t0
    scale, unit = time_unit(max(ends.max(), 1.0))

    fig, axes = plots.figure(10, 3.3, ncols=2)
    for ax, x, label in ((axes[0], n, "evaluation"), (axes[1], ends / scale, f"time since start ({unit})")):
        ax.scatter(x, y, s=12, color="#2e6fb5", alpha=0.6, label="evaluation", zorder=2)
        order = np.argsort(x, kind="stable")
        ax.step(x[order], best_so_far(y[order], obj.minimize), where="post", color="#d1495b",
                linewidth=1.5, label="best so far", zorder=3)
        ax.scatter([x[i_best]], [y[i_best]], marker="*", s=140, color="#d1495b", edgecolor="black",
                   linewidth=0.5, zorder=4, label="best")
        ax.set_xlabel(label)
        ax.set_ylabel(f"{obj.metric} ({obj.goal})")
        if use_log(y):
            ax.set_yscale("log")
    axes[0].legend(fontsize=8)
    axes[0].set_title("Objective per evaluation")
    axes[1].set_title("Objective over time")
    t = scored[i_best]
    first_hit = int(np.argmax(best == y[i_best])) + 1
    parts = [m.facts([
        ("evaluations with an objective", len(y)),
        ("best", f"{m.fmt(y[i_best])} (node {t.node_id}, evaluation {first_hit})"),
        ("best parameters", params_text(t.params)),
        ("median", m.fmt(float(np.median(y)))),
    ]), plots.embed(fig, f"{obj.metric} per evaluation with the best so far")]
    return "\n".join(parts)
