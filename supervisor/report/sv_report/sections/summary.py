"""Summary: where the run stands, its best results and its job chain (sessions, and the submissions
`supervisor submit` records once that table exists)."""
import datetime

from .. import markup as m
from ..paramview import params_text
from ..registry import section

BEST_ROWS = 10


def _when(t):
    return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") if t and t > 0 else None


@section("summary", "Summary", order=10)
def render(run):
    counts = {}
    for t in run.tasks:
        counts[t.status] = counts.get(t.status, 0) + 1
    objectives = ", ".join(f"{o.metric} ({o.goal})" for o in run.objectives)
    scored = run.scored()
    best = sorted(scored, key=lambda t: t.objective, reverse=not run.minimize)
    parts = [m.facts([
        ("status", run.run["status"]),
        ("workflow", run.run["workflow"]),
        ("started", _when(run.run["created"])),
        ("elapsed", m.duration(run.end - run.run["created"])),
        ("tasks", f"{len(run.tasks)} recorded: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))),
        ("objective", objectives),
        ("best", f"{m.fmt(best[0].objective)} (node {best[0].node_id})" if best else None),
        ("sessions", len(run.sessions)),
        ("workers", run.max_workers()),
        ("workflow file", run.run.get("spec_path") or None),
    ])]

    if best:
        extra = [o.metric for o in run.objectives[1:]]
        headers = ["rank", "node", "objective", *extra, "duration", "parameters"]
        rows = [[i + 1, t.node_id, t.objective, *[run.value(t, x) for x in extra], m.duration(t.duration),
                 params_text(t.params)] for i, t in enumerate(best[:BEST_ROWS])]
        parts.append(f"<h3>Best {min(BEST_ROWS, len(best))} of {len(best)}</h3>")
        parts.append(m.table(headers, rows, numeric={0, 2, *range(3, 3 + len(extra))}))

    parts.append("<h3>Sessions (one per MPI job)</h3>")
    parts.append(m.table(["session", "started", "ended", "workers", "host", "job id", "status"],
                         [[s["id"], _when(s["started"]), _when(s["ended"]), s["workers"], s["host"],
                           s["job_id"] or None, s["status"]] for s in run.sessions], numeric={0, 3}))
    if run.submissions:
        cols = list(run.submissions[0].keys())
        parts.append("<h3>Submissions</h3>")
        parts.append(m.table(cols, [[_when(v) if k.endswith(("time", "_at")) and isinstance(v, float) else v
                                     for k, v in s.items()] for s in run.submissions]))
    fatal = [e for e in run.events if e.get("kind") == "fatal"]
    if fatal:
        parts.append("<h3>Fatal errors</h3>")
        parts.append(m.table(["time", "message"], [[_when(e["time"]), e["message"]] for e in fatal]))
    return "\n".join(parts)
