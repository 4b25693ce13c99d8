"""Pareto front of a multi-objective run (several objectives under `objective.metrics` in the workflow).
The objectives' values come from each task's result; a point is on the front when no other point is at
least as good in every objective and better in one. Single-objective runs leave this section out."""
import itertools

import numpy as np

from .. import markup as m
from .. import plots
from ..paramview import params_text
from ..registry import section

MAX_ROWS = 50
MAX_PAIRS = 6


def non_dominated(costs):
    """Mask of the rows of `costs` (n x k, all minimized) that no other row dominates."""
    costs = np.asarray(costs, dtype=float)
    n = len(costs)
    keep = np.ones(n, dtype=bool)
    for start in range(0, n, 512):  # chunks keep the n x n comparison's memory small
        block = costs[start:start + 512]
        le = (costs[None, :, :] <= block[:, None, :]).all(axis=2)
        lt = (costs[None, :, :] < block[:, None, :]).any(axis=2)
        keep[start:start + len(block)] = ~(le & lt).any(axis=1)
    return keep


@section("pareto", "Pareto front", order=50)
def render(run):
    objs = run.objectives
    if len(objs) < 2:
        return None
    rows = []
    for t in run.done():
        vals = [run.value(t, o.metric) for o in objs]
        if all(v is not None for v in vals):
            rows.append((t, vals))
    names = ", ".join(f"{o.metric} ({o.goal})" for o in objs)
    if not rows:
        return m.note(f"No finished task reports every objective ({names}) yet.")
    values = np.array([v for _, v in rows], dtype=float)
    signs = np.array([1.0 if o.minimize else -1.0 for o in objs])
    front = non_dominated(values * signs)

    pairs = list(itertools.combinations(range(len(objs)), 2))[:MAX_PAIRS]
    cols = min(3, len(pairs))
    nrows = -(-len(pairs) // cols)
    fig, axes = plots.figure(4.2 * cols if cols > 1 else 6.5, 3.6 * nrows, nrows=nrows, ncols=cols,
                             squeeze=False)
    for i, (a, b) in enumerate(pairs):
        ax = axes[i // cols][i % cols]
        ax.scatter(values[~front, a], values[~front, b], s=12, color="#9aa7b8", alpha=0.7, label="dominated")
        ax.scatter(values[front, a], values[front, b], s=26, color="#d1495b", edgecolor="black",
                   linewidth=0.4, label="Pareto front", zorder=3)
        if len(objs) == 2:
            order = np.argsort(values[front, a])
            ax.plot(values[front, a][order], values[front, b][order], color="#d1495b", linewidth=1,
                    drawstyle="steps-post" if objs[0].minimize == objs[1].minimize else "default")
        ax.set_xlabel(f"{objs[a].metric} ({objs[a].goal})")
        ax.set_ylabel(f"{objs[b].metric} ({objs[b].goal})")
        if i == 0:
            ax.legend(fontsize=8)
    for j in range(len(pairs), nrows * cols):
        axes[j // cols][j % cols].set_visible(False)

    on_front = sorted((r for r, f in zip(rows, front) if f), key=lambda r: r[1][0] * signs[0])
    parts = [m.facts([("objectives", names), ("evaluations with every objective", len(rows)),
                      ("on the front", len(on_front))]),
             plots.embed(fig, "Pareto front of the objectives")]
    table_rows = [[t.node_id, *vals, params_text(t.params)]
                  for t, vals in on_front[:MAX_ROWS]]
    parts.append(m.table(["node", *[o.metric for o in objs], "parameters"], table_rows,
                         numeric=set(range(1, 1 + len(objs)))))
    if len(on_front) > MAX_ROWS:
        parts.append(m.note(f"{len(on_front) - MAX_ROWS} more points on the front left out of the table."))
    return "\n".join(parts)
