"""Population-based training: the lineage and the hyperparameter schedules of a PBT search, from the
store's pbt_segments table. Terms: a *member* is one population slot; a *segment* is one interval of
training a member did as one task (start_epoch .. end_epoch); its *parent* is the segment whose weights it
started from: its own previous one when it simply continued, another member's when it *exploited* (took
a better member's weights and perturbed hyperparameters). Runs without that table leave this section out."""
from .. import markup as m
from .. import plots
from ..paramview import is_internal
from ..registry import section
from sv_runstore import is_number

MAX_MEMBERS = 32   # rows of the lineage and lines of a schedule; a larger population shows its first ones
MAX_PARAMS = 6     # schedule panels
MAX_EXPLOIT_ROWS = 20
CONTINUE_COLOR = "#9a9a9a"
EXPLOIT_COLOR = "#d1495b"


def shown_members(segments):
    members = sorted({s.member for s in segments})
    return members[:MAX_MEMBERS], len(members)


def edges(segments):
    """(parent segment, segment) for every segment whose parent is in the table (every one past the
    first, when the table is whole)."""
    by_task = {s.task_id: s for s in segments}
    return [(by_task[s.parent_task_id], s) for s in segments
            if s.parent_task_id is not None and s.parent_task_id in by_task]


def numeric_params(segments):
    """Hyperparameters that are numbers in every segment that has them (the ones a schedule can plot)."""
    names = []
    for s in segments:
        names += [k for k in s.params if k not in names and not is_internal(k)]
    return [k for k in names
            if all(is_number(s.params[k]) for s in segments if k in s.params)]


def mid(s):
    return 0.5 * (s.start_epoch + s.end_epoch)


def score_norm(scores):
    """The colour scale of the segment scores: logarithmic when they are all positive and span more than a
    decade (a real training's first segments score many times its later ones, which a linear scale would
    paint one colour), else linear; None without scores."""
    plt = plots.require_matplotlib()
    if not scores:
        return None
    low, high = min(scores), max(scores)
    if low > 0 and high / low > 10:
        from matplotlib.colors import LogNorm
        return LogNorm(low, high)
    return plt.Normalize(low, high if high > low else low + 1)


def lineage_figure(segments, minimize=True):
    """Members as rows, each segment a bar over its epochs coloured by its score (score_norm; the better, the
    lighter; grey until finished),
    and an edge from the middle of its parent segment to its own middle: grey along the row for a member
    continuing its own weights (LineCollection gid `continue-edges`), red and thick across rows for an
    exploit (gid `exploit-edges`). Returns (figure, continue edges drawn, exploit edges drawn)."""
    plt = plots.require_matplotlib()
    from matplotlib.collections import LineCollection
    members, _ = shown_members(segments)
    rows = {mb: i for i, mb in enumerate(members)}
    segs = [s for s in segments if s.member in rows]
    fig, ax = plots.figure(7.5, min(8.0, 1.8 + 0.3 * len(members)), layout="constrained")
    scores = [s.score for s in segs if is_number(s.score)]
    cmap = plt.get_cmap("viridis_r" if minimize else "viridis")
    norm = score_norm(scores)
    ax.barh([rows[s.member] for s in segs], [s.end_epoch - s.start_epoch for s in segs],
            left=[s.start_epoch for s in segs], height=0.4, edgecolor="white", linewidth=0.8, zorder=1,
            color=[cmap(norm(s.score)) if norm is not None and is_number(s.score) else "#dddddd" for s in segs])
    cont, expl = [], []
    for parent, s in edges(segments):
        if parent.member not in rows or s.member not in rows:
            continue
        line = [(mid(parent), rows[parent.member]), (mid(s), rows[s.member])]
        (expl if s.exploited else cont).append(line)
    ax.add_collection(LineCollection(cont, colors=CONTINUE_COLOR, linewidths=1.0, zorder=2, gid="continue-edges",
                                     label=f"continued its own weights ({len(cont)})"))
    ax.add_collection(LineCollection(expl, colors=EXPLOIT_COLOR, linewidths=2.2, zorder=3, gid="exploit-edges",
                                     label=f"exploit: took another member's weights ({len(expl)})"))
    ax.plot([mid(s) for s in segs], [rows[s.member] for s in segs], linestyle="none", marker="o", markersize=3,
            color="#333333", zorder=4)
    ax.set_yticks(range(len(members)))
    ax.set_yticklabels([str(mb) for mb in members], fontsize=7 if len(members) > 16 else 9)
    ax.set_ylim(len(members) - 0.5, -0.5)
    ax.set_xlim(min(s.start_epoch for s in segments), max(s.end_epoch for s in segments))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("member")
    ax.grid(axis="y", visible=False)
    if any(not is_number(s.score) for s in segs):
        ax.barh([], [], color="#dddddd", label="not finished yet")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    if norm is not None:
        fig.colorbar(plt.cm.ScalarMappable(cmap=cmap, norm=norm), ax=ax, label="segment score", shrink=0.8)
    return fig, len(cont), len(expl)


def schedule_figure(segments, names):
    """One panel per numeric hyperparameter: each member's value over epochs, a step per segment (gid
    `schedule-<member>`), a red dot where a segment began with an exploit (gid `schedule-exploits`)."""
    plt = plots.require_matplotlib()
    members, _ = shown_members(segments)
    cols = min(2, len(names))
    nrows = -(-len(names) // cols)
    fig, axes = plots.figure(5.0 * cols if cols > 1 else 7.5, 2.8 * nrows, nrows=nrows, ncols=cols, squeeze=False)
    cmap = plt.get_cmap("tab20" if len(members) > 10 else "tab10")
    for j, name in enumerate(names):
        ax = axes[j // cols][j % cols]
        dots = []
        for k, mb in enumerate(members):
            own = [s for s in segments if s.member == mb and is_number(s.params.get(name))]
            if not own:
                continue
            xs, ys = [], []
            for s in own:
                xs += [s.start_epoch, s.end_epoch]
                ys += [s.params[name], s.params[name]]
                if s.exploited:
                    dots.append((s.start_epoch, s.params[name]))
            ax.plot(xs, ys, color=cmap(k % cmap.N), linewidth=1.2, gid=f"schedule-{mb}",
                    label=str(mb) if len(members) <= 10 else None)
        if dots:
            ax.plot([d[0] for d in dots], [d[1] for d in dots], linestyle="none", marker="o", markersize=4,
                    color=EXPLOIT_COLOR, gid="schedule-exploits", label="exploit" if j == 0 else None)
        vals = [s.params[name] for s in segments if is_number(s.params.get(name))]
        if vals and min(vals) > 0 and max(vals) / min(vals) > 50:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.set_ylabel(name)
        if j == 0:
            ax.legend(fontsize=7, title="member" if len(members) <= 10 else None, title_fontsize=7)
    for j in range(len(names), nrows * cols):
        axes[j // cols][j % cols].set_visible(False)
    return fig


def changed(before, after):
    """`name a → b` for each hyperparameter an exploit changed."""
    keys = [k for k in after if not is_internal(k) and before.get(k) != after.get(k)]
    return ", ".join(f"{k} {m.fmt(before.get(k))} → {m.fmt(after[k])}" for k in keys)


@section("pbt", "Population-based training", order=64)
def render(run):
    segments = run.pbt_segments
    if not segments:
        return None
    members, n_members = shown_members(segments)
    names = numeric_params(segments)
    exploits = sorted(((p, s) for p, s in edges(segments) if s.exploited),
                      key=lambda e: (e[1].start_epoch, e[1].member))
    finished = [s for s in segments if is_number(s.score)]
    best = max(finished, key=lambda s: s.score if not run.minimize else -s.score) if finished else None
    parts = [m.facts([
        ("population", n_members),
        ("segments", f"{len(segments)} ({len(finished)} finished), up to epoch {max(s.end_epoch for s in segments)}"),
        ("exploits", len(exploits)),
        ("hyperparameters", ", ".join(names) or None),
        ("best segment", f"member {best.member}, segment {best.segment}: score {m.fmt(best.score)}" if best else None),
    ])]
    fig, n_cont, n_expl = lineage_figure(segments, run.minimize)
    parts.append(plots.embed(fig, f"PBT lineage: {len(members)} members, {n_cont + n_expl} edges, "
                                  f"{n_expl} exploits"))
    if names:
        parts.append(plots.embed(schedule_figure(segments, names[:MAX_PARAMS]),
                                 f"hyperparameter schedules: {', '.join(names[:MAX_PARAMS])}"))
    notes = []
    if n_members > len(members):
        notes.append(f"the first {len(members)} of {n_members} members are drawn")
    if len(names) > MAX_PARAMS:
        notes.append("hyperparameters not drawn: " + ", ".join(names[MAX_PARAMS:]))
    if notes:
        parts.append(m.note("; ".join(notes) + "."))
    if exploits:
        parts.append("<h3>Exploits</h3>")
        rows = [[s.start_epoch, s.member, s.segment, p.member, m.fmt(p.score), changed(p.params, s.params)]
                for p, s in exploits[:MAX_EXPLOIT_ROWS]]
        parts.append(m.table(["at epoch", "member", "segment", "took weights of member", "their score",
                              "hyperparameters"], rows, numeric={0, 1, 2, 3}))
        if len(exploits) > MAX_EXPLOIT_ROWS:
            parts.append(m.note(f"the first {MAX_EXPLOIT_ROWS} of {len(exploits)} exploits are listed"))
    return "\n".join(parts)
