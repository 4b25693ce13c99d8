"""Failures: every failed task with the first line of its error (the full traceback is in the store and
in the task's directory), and how many tasks needed more than one attempt."""
from .. import markup as m
from ..registry import section

MAX_ROWS = 500


@section("failures", "Failures", order=90)
def render(run):
    failed = run.failed()
    retried = [t for t in run.done() if t.attempts > 1]
    canceled = [t for t in run.tasks if t.status == "canceled"]
    parts = [m.facts([("failed", len(failed)), ("done after a retry", len(retried)),
                      ("canceled", len(canceled))])]
    if not failed:
        parts.append(m.para("No task failed."))
        return "\n".join(parts)
    rows = [[t.node_id, t.attempts, t.worker if t.worker >= 0 else None, t.host or None,
             m.duration(t.end_time - run.t0) if t.end_time > 0 else None, t.error_first_line[:300]]
            for t in failed[:MAX_ROWS]]
    parts.append(m.table(["node", "attempts", "worker", "host", "ended at", "error"], rows, numeric={1, 2}))
    if len(failed) > MAX_ROWS:
        parts.append(m.note(f"{len(failed) - MAX_ROWS} more failures left out; "
                            "`supervisor export RUN_DIR` lists them all."))
    return "\n".join(parts)
