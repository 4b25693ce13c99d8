"""Pruning: the trials of a search with a pruner (`optimizer.pruner`), each one's pruner metric against
epoch, with the pruned trials marked where they were stopped and the rungs drawn. Terms (as in
supervisor/prune/pruner.hpp): a *rung* is an epoch at which trials are compared (ASHA, Hyperband); a
*decision* is one judgement the pruner recorded in the store's prune_decisions table. Runs without a
pruner and without pruned trials leave this section out."""
from .. import markup as m
from .. import plots
from ..registry import section
from .curves import curves_by_task
from .utilization import STATUS_COLORS
from sv_runstore import is_number

MAX_TRIALS = 80   # lines drawn; a bigger search is thinned evenly over its tasks, and says so
MAX_PANELS = 3    # pruner metrics drawn (a Pareto pruner compares every objective metric)
MAX_RUNG_ROWS = 12
DONE_COLOR = "#4c72b0"
STOP_COLOR = "#d1495b"


def pruner_options(run):
    """The workflow's `optimizer.pruner` mapping ({} when there is none or it is `none`)."""
    opt = run.spec.get("optimizer") if isinstance(run.spec, dict) else None
    p = opt.get("pruner") if isinstance(opt, dict) else None
    return p if isinstance(p, dict) and p.get("name", "none") != "none" else {}


def pruner_metrics(run):
    """The metrics the pruner compares, in the order its decisions hold their values: its own `metric`,
    else every objective metric with `combine: pareto`, else the primary objective (spec/search_parse.cpp,
    check_pruner, is the rule)."""
    own = pruner_options(run).get("metric")
    if own:
        return [str(own)]
    section_ = run.spec.get("objective") if isinstance(run.spec, dict) else None
    if isinstance(section_, dict) and section_.get("combine") == "pareto":
        return [o.metric for o in run.objectives]
    return [run.objectives[0].metric]


def has_pruning(run):
    return bool(pruner_options(run)) or bool(run.prune_decisions) or any(t.status == "pruned" for t in run.tasks)


def rung_epochs(run):
    """The epochs at which trials were judged at a rung (the median pruner has none: it judges each epoch)."""
    return sorted({d.rung_epoch for d in run.prune_decisions if d.rung >= 0})


def rung_table(run, epochs):
    """Per rung: how many trials were judged and stopped there, and (one metric) the best value a trial
    was stopped with and the worst one that went on: ASHA judges each arrival against the rung as it then
    stood, so its cut-off moved as the rung filled; these two bound where it ended up."""
    rows = []
    for e in epochs:
        here = [d for d in run.prune_decisions if d.rung >= 0 and d.rung_epoch == e]
        # A diverged training reports NaN (null in the store): judged worst, but no value to show.
        stopped = [d.trial_values[0] for d in here if d.stop and d.trial_values and is_number(d.trial_values[0])]
        kept = [d.trial_values[0] for d in here if not d.stop and d.trial_values and is_number(d.trial_values[0])]
        row = [e, len(here), sum(d.stop for d in here)]
        if len(pruner_metrics(run)) == 1:
            best, worst = (min, max) if _minimize(run) else (max, min)
            row += [best(stopped) if stopped else None, worst(kept) if kept else None]
        rows.append(row)
    return rows


def _minimize(run):
    """The goal of the pruner's (first) metric: its own `goal`, else the objective's."""
    goal = pruner_options(run).get("goal")
    if goal:
        return goal != "maximize"
    name = pruner_metrics(run)[0]
    return next((o.minimize for o in run.objectives if o.metric == name), run.minimize)


def drawn_trials(run, curves):
    """The task ids to draw: all with curves, or MAX_TRIALS spread evenly over them in task order."""
    ids = sorted(curves)
    if len(ids) <= MAX_TRIALS:
        return ids
    step = len(ids) / MAX_TRIALS
    return [ids[int(i * step)] for i in range(MAX_TRIALS)]


def pruning_figure(run):
    """(figure, facts about it) of the pruner metric against epoch: one panel per pruner metric; done
    trials solid, pruned ones dashed and ending in a cross (artist gid `pruned-ends`), rungs as vertical
    lines (`rungs`) and, with one metric, each rung's best stopped value as a short bar (`rung-cutoffs`)."""
    curves = curves_by_task(run)
    metrics = [k for k in pruner_metrics(run) if any(k in per for per in curves.values())][:MAX_PANELS]
    if not metrics:
        return None, {}
    by_id = {t.id: t for t in run.tasks}
    shown = drawn_trials(run, curves)
    epochs = rung_epochs(run)
    cutoffs = {row[0]: row[3] for row in rung_table(run, epochs) if len(row) > 3 and row[3] is not None}
    plt = plots.require_matplotlib()
    fig, axes = plots.figure(7.5, 3.0 * len(metrics), nrows=len(metrics), squeeze=False)
    pruned_drawn = 0
    for j, key in enumerate(metrics):
        ax = axes[j][0]
        ends = []
        for i in shown:
            pts = sorted(curves[i].get(key, []))
            if not pts:
                continue
            t = by_id.get(i)
            pruned = t is not None and t.status == "pruned"
            ax.plot([p[0] for p in pts], [p[1] for p in pts], linewidth=1,
                    color=STATUS_COLORS["pruned"] if pruned else DONE_COLOR,
                    linestyle="--" if pruned else "-", alpha=0.8)
            if pruned:
                ends.append(pts[-1])
        if ends:
            ax.plot([p[0] for p in ends], [p[1] for p in ends], linestyle="none", marker="x", markersize=6,
                    color=STOP_COLOR, gid="pruned-ends", label=f"pruned ({len(ends)})")
        if j == 0:
            pruned_drawn = len(ends)
        for e in epochs:
            ax.axvline(e, color="#555555", linestyle=":", linewidth=1, gid="rungs")
        if j == 0 and cutoffs and len(pruner_metrics(run)) == 1:
            ax.hlines(list(cutoffs.values()), [e - 0.35 for e in cutoffs], [e + 0.35 for e in cutoffs],
                      colors=STOP_COLOR, linewidth=2.5, gid="rung-cutoffs", label="best value stopped at the rung")
        ax.plot([], [], color=DONE_COLOR, label="trained in full")
        if epochs:
            ax.plot([], [], color="#555555", linestyle=":", label="rung")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.set_ylabel(key)
        vals = [p[1] for i in shown for p in curves[i].get(key, [])]
        if vals and min(vals) > 0 and max(vals) / min(vals) > 1e3:
            ax.set_yscale("log")
        ax.legend(fontsize=7, loc="best")
    facts = {"trials with curves": len(curves), "drawn": len(shown), "pruned drawn": pruned_drawn,
             "metrics": metrics, "rungs": epochs}
    return fig, facts


@section("pruning", "Pruning", order=62)
def render(run):
    if not has_pruning(run):
        return None
    opts = pruner_options(run)
    pruned, saved = run.pruning_summary()
    stops = sum(d.stop for d in run.prune_decisions)
    epochs = rung_epochs(run)
    settings = ", ".join(f"{k} {m.fmt(v)}" for k, v in opts.items() if k != "name")
    parts = [m.facts([
        ("pruner", (opts.get("name") or (run.prune_decisions[0].pruner if run.prune_decisions else "–"))
         + (f" ({settings})" if settings else "")),
        ("metric", ", ".join(pruner_metrics(run))),
        ("trials", f"{len(run.tasks)}: {sum(t.status == 'done' for t in run.tasks)} trained in full, "
                   f"{pruned} pruned"),
        ("worker time saved", f"about {m.duration(saved)} ({saved:.0f} worker-s; each pruned trial's run short "
                              "of the mean full training)" if saved is not None
         else "no full training finished yet to compare with"),
        ("decisions", f"{len(run.prune_decisions)} recorded, {stops} to stop"),
        ("rungs at epochs", ", ".join(map(str, epochs)) if epochs else None),
    ])]
    fig, drawn = pruning_figure(run)
    if fig is not None:
        parts.append(plots.embed(fig, f"{', '.join(drawn['metrics'])} against epoch: {drawn['drawn']} trials, "
                                      f"{drawn['pruned drawn']} pruned (crosses), rungs at "
                                      f"{', '.join(map(str, drawn['rungs'])) or 'none'}"))
        if drawn["drawn"] < drawn["trials with curves"]:
            parts.append(m.note(f"{drawn['drawn']} of {drawn['trials with curves']} trials are drawn, spread "
                                "evenly over the run's tasks; the counts above cover them all."))
    else:
        parts.append(m.note("No trial has reported the pruner's metric per epoch yet."))
    if epochs:
        one = len(pruner_metrics(run)) == 1
        rows = rung_table(run, epochs)
        parts.append(m.table(["rung epoch", "judged", "stopped"] + (["best stopped", "worst kept"] if one else []),
                             rows[:MAX_RUNG_ROWS], numeric=set(range(5 if one else 3))))
        if len(rows) > MAX_RUNG_ROWS:
            parts.append(m.note(f"the first {MAX_RUNG_ROWS} of {len(rows)} rungs are listed"))
    elif run.prune_decisions:
        parts.append(m.note("This pruner has no rungs: it judges each trial at every epoch against the others' "
                            "values at that epoch."))
    return "\n".join(parts)
