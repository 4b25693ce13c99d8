"""Utilization: how many models ran at once over the run (the step plot of CANDLE/Supervisor's
utilization figures), the workers available, the busy fraction, a per-worker timeline and task durations.
A task counts as running from its start_time to its end_time (the model's own run, not the hand-off)."""
import numpy as np

from .. import markup as m
from .. import plots
from ..registry import section

MAX_TIMELINE_TASKS = 20000
STATUS_COLORS = {"done": "#4c9a5a", "failed": "#d1495b", "running": "#edae49", "canceled": "#999999",
                 "pruned": "#8e7cc3"}


def time_unit(span):
    if span > 3 * 3600:
        return 3600.0, "hours"
    if span > 600:
        return 60.0, "minutes"
    return 1.0, "seconds"


def intervals(run):
    """(start, end, task) for every task that started; a task still running ends at the window's end."""
    out = []
    for t in run.tasks:
        if t.start_time <= 0:
            continue
        end = t.end_time if t.end_time >= t.start_time and t.end_time > 0 else run.end
        out.append((t.start_time, max(end, t.start_time), t))
    return out


def concurrency(spans):
    """Step function of how many spans are open: (times, counts), counts[i] holding from times[i]."""
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda x: (x[0], x[1]))
    times, counts, n = [], [], 0
    for t, d in edges:
        n += d
        if times and times[-1] == t:
            counts[-1] = n
        else:
            times.append(t)
            counts.append(n)
    return np.array(times), np.array(counts)


def capacity(run):
    """Workers available: a step function over the sessions (a resumed run may change its size)."""
    spans = []
    for s in run.sessions:
        end = s["ended"] if s["ended"] > 0 else run.end
        spans += [(s["started"], end)] * max(int(s["workers"]), 0)
    return spans


@section("utilization", "Utilization", order=20)
def render(run):
    ivs = intervals(run)
    if not ivs:
        return m.note("No task has started yet.")
    t0 = run.t0
    first, last = min(s for s, _, _ in ivs), max(e for _, e, _ in ivs)
    span = max(run.end, last) - t0
    scale, unit = time_unit(span)
    times, counts = concurrency([(s, e) for s, e, _ in ivs])
    busy = float(sum(e - s for s, e, _ in ivs))
    cap_spans = capacity(run)
    cap_seconds = float(sum(e - s for s, e in cap_spans))
    window = max(last - first, 1e-9)
    workers = run.max_workers() or int(counts.max())

    fig, ax = plots.figure(7.5, 3.0)
    x = (np.concatenate([times, [max(run.end, last)]]) - t0) / scale
    y = np.concatenate([counts, [counts[-1]]])
    ax.step(x, y, where="post", color="#2e6fb5", linewidth=1.4, label="models running")
    ax.fill_between(x, y, step="post", color="#2e6fb5", alpha=0.15)
    if cap_spans:
        ct, cc = concurrency(cap_spans)
        cx = (np.concatenate([ct, [ct[-1]]]) - t0) / scale
        ax.step(cx, np.concatenate([cc, [cc[-1]]]), where="post", color="#888888", linestyle="--",
                linewidth=1, label="workers")
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_ylabel("models running")
    ax.set_ylim(0, max(workers, int(counts.max())) * 1.15 + 0.5)
    ax.set_xlim(left=0)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Models running over time")
    parts = [plots.embed(fig, "models running over time")]

    durations = np.array([e - s for s, e, t in ivs if t.status in ("done", "failed")])
    parts.insert(0, m.facts([
        ("workers", workers),
        ("peak running", int(counts.max())),
        ("mean running (first start to last end)", f"{busy / window:.2f}"),
        ("busy fraction (whole job)", f"{busy / cap_seconds:.1%}" if cap_seconds > 0 else None),
        ("busy fraction (first start to last end)", f"{busy / (window * workers):.1%}" if workers else None),
        ("model time, all tasks", m.duration(busy)),
        ("median task duration", m.duration(float(np.median(durations))) if len(durations) else None),
        ("finished per minute", f"{60 * len(durations) / window:.2f}" if len(durations) else None),
    ]))

    if len(ivs) <= MAX_TIMELINE_TASKS:
        fig, ax = plots.figure(7.5, min(1.2 + 0.25 * max(workers, 1), 6.0))
        by_status = {}
        for s, e, t in ivs:
            by_status.setdefault(t.status, []).append((t.worker, (s - t0) / scale, (e - s) / scale))
        for status, bars in by_status.items():
            for w in sorted({b[0] for b in bars}):
                ax.broken_barh([(b[1], b[2]) for b in bars if b[0] == w], (w - 0.4, 0.8),
                               facecolors=STATUS_COLORS.get(status, "#555555"), edgecolors="white",
                               linewidth=0.3)
        handles = [plots.require_matplotlib().Rectangle((0, 0), 1, 1, color=STATUS_COLORS.get(s, "#555555"))
                   for s in by_status]
        ax.legend(handles, list(by_status), loc="upper right", fontsize=8)
        ax.set_xlabel(f"time since start ({unit})")
        ax.set_ylabel("worker rank")
        ax.set_xlim(left=0)
        ranks = sorted({t.worker for _, _, t in ivs})
        if len(ranks) <= 32:
            ax.set_yticks(ranks)
        ax.set_title("Tasks per worker")
        parts.append(plots.embed(fig, "tasks per worker over time"))
    else:
        parts.append(m.note(f"Per-worker timeline left out: {len(ivs)} tasks (more than {MAX_TIMELINE_TASKS})."))

    if len(durations) >= 2:
        fig, ax = plots.figure(7.5, 2.6)
        ax.hist(durations, bins=min(50, max(5, len(durations) // 4)), color="#2e6fb5", alpha=0.8)
        ax.set_xlabel("task duration (seconds)")
        ax.set_ylabel("tasks")
        ax.set_title("Task durations")
        parts.append(plots.embed(fig, "histogram of task durations"))
    return "\n".join(parts)
