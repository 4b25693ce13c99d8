"""Parameters: one panel per parameter that varies, objective against its value. Numbers are scattered
(log axis for log-scaled space entries, or values spanning more than two decades); anything else is a
category, drawn as a box per category with the points jittered over it."""
import json
import math
import random

import numpy as np

from .. import markup as m
from .. import plots
from ..paramview import is_internal, plottable
from ..registry import section
from sv_runstore import is_number
from .objective import use_log

MAX_PANELS = 30
COLS = 3


def _label(v, limit=16):
    text = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def varying_params(tasks):
    """Parameter names in first-seen order whose value differs between tasks."""
    names, seen = [], {}
    for t in tasks:
        for k, v in t.params.items():
            if k not in seen:
                names.append(k)
                seen[k] = set()
            seen[k].add(json.dumps(v, sort_keys=True))
    return [k for k in names if len(seen[k]) > 1]


def split_plottable(tasks, names):
    """(names to plot, names left out): internal keys and long lists are not drawn (see paramview)."""
    keep, left = [], []
    for name in names:
        (keep if plottable(name, [t.params[name] for t in tasks if name in t.params]) else left).append(name)
    return keep, left


def _numeric_panel(ax, xs, ys, log_hint):
    xs = np.asarray(xs, dtype=float)
    ax.scatter(xs, ys, s=12, alpha=0.6, color="#2e6fb5")
    positive = xs.min() > 0
    if positive and (log_hint or xs.max() / xs.min() > 100):
        ax.set_xscale("log")


def _categorical_panel(ax, xs, ys, order):
    cats = list(order) if order else []
    keys = [json.dumps(c, sort_keys=True) for c in cats]
    for x in xs:
        k = json.dumps(x, sort_keys=True)
        if k not in keys:
            keys.append(k)
            cats.append(x)
    keys_present = [k for k in keys if any(json.dumps(x, sort_keys=True) == k for x in xs)]
    cats = [cats[keys.index(k)] for k in keys_present]
    index = {k: i for i, k in enumerate(keys_present)}
    groups = [[] for _ in cats]
    rng = random.Random(0)
    px, py = [], []
    for x, y in zip(xs, ys):
        i = index[json.dumps(x, sort_keys=True)]
        groups[i].append(y)
        px.append(i + rng.uniform(-0.18, 0.18))
        py.append(y)
    ax.boxplot(groups, positions=range(len(cats)), widths=0.55, showfliers=False,
               medianprops={"color": "#d1495b"}, boxprops={"color": "#555555"})
    ax.scatter(px, py, s=10, alpha=0.5, color="#2e6fb5", zorder=3)
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels([_label(c) for c in cats], rotation=30 if len(cats) > 3 else 0,
                       ha="right" if len(cats) > 3 else "center")
    ax.grid(False, axis="x")


@section("parameters", "Parameters vs objective", order=40)
def render(run):
    scored = run.scored()
    if len(scored) < 2:
        return m.note("Fewer than two evaluations have an objective; nothing to compare yet.")
    names, unplotted = split_plottable(scored, varying_params(scored))
    internal = [n for n in unplotted if is_internal(n)]
    lists = [n for n in unplotted if not is_internal(n)]
    notes = []
    if lists:
        notes.append(m.note("Not drawn, each value being a long list: " + ", ".join(lists) + "."))
    if internal:
        notes.append(m.note("Not drawn, the supervisor's own bookkeeping: " + ", ".join(internal) + "."))
    if not names:
        return "\n".join([m.note("No parameter that varies can be drawn."), *notes] if unplotted else
                         [m.note("Every evaluation used the same parameters.")])
    shown = names[:MAX_PANELS]
    space = run.space()
    obj = run.objectives[0]
    rows = math.ceil(len(shown) / COLS)
    cols = min(COLS, len(shown))
    fig, axes = plots.figure(3.4 * cols, 2.8 * rows, nrows=rows, ncols=cols, squeeze=False)
    all_y = [t.objective for t in scored]
    for i, name in enumerate(shown):
        ax = axes[i // cols][i % cols]
        pairs = [(t.params[name], t.objective) for t in scored if name in t.params]
        xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        spec = space.get(name) if isinstance(space.get(name), dict) else {}
        if all(is_number(x) for x in xs) and spec.get("type") not in ("categorical", "ordinal"):
            _numeric_panel(ax, xs, ys, bool(spec.get("log")))
        else:
            _categorical_panel(ax, xs, ys, spec.get("choices") or spec.get("values"))
        ax.set_xlabel(name)
        if i % cols == 0:
            ax.set_ylabel(obj.metric)
        if use_log(all_y):
            ax.set_yscale("log")
    for j in range(len(shown), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    parts = [plots.embed(fig, "objective against each parameter")]
    if len(names) > MAX_PANELS:
        parts.append(m.note(f"{len(names) - MAX_PANELS} more parameters left out: "
                            + ", ".join(names[MAX_PANELS:])))
    return "\n".join(parts + notes)
