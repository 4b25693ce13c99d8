"""Ctrl-C (SIGINT), SIGTERM (to `supervisor run`, or to every process of the job as a scheduler sends it)
and SIGUSR1 drain the run as a walltime does: no new task, running models see should_stop() and return,
the job exits 0 with the run `drained` and its interrupted tasks pending, and `resume` finishes it. A model
that ignores should_stop() is stopped hard after resources.drain_grace_s and resumes too."""
import os
import signal
import subprocess

import pytest

from live_run import finish, query, running_tasks, signal_all, start, wait_until
from conftest import BINARY

WORKFLOW = """
workflow: sweep
model:
  kind: python
  entry: procs_models:ENTRY
  python_path: ["@MODELS@"]
  defaults: {marker_dir: "@MARKERS@"}
sweep: {grid: {x: [1, 2, 3, 4]}}
resources: {workers: 2, shell: SHELL}
"""


def workflow(write_yaml, tmp_path, entry, shell="embedded", grace=None):
    markers = tmp_path / "markers"
    markers.mkdir(exist_ok=True)
    text = WORKFLOW.replace("ENTRY", entry).replace("SHELL", shell)
    if grace is not None:
        text = text.replace(f"shell: {shell}}}", f"shell: {shell}, drain_grace_s: {grace}}}")
    return write_yaml(text.replace("@MARKERS@", str(markers)))


def to_launcher(proc, sig):
    os.kill(proc.pid, sig)


def drain_and_resume(tmp_path, wf, send):
    proc, out_dir = start(tmp_path, "run", wf)
    wait_until(lambda: len(running_tasks(out_dir)) == 2, proc, what="both workers running a task")
    send(proc)
    code, out, err = finish(proc)
    assert code == 0, err
    assert query(out_dir, "SELECT status FROM runs") == [("drained",)], err
    assert query(out_dir, "SELECT status FROM sessions") == [("drained",)]
    statuses = dict(query(out_dir, "SELECT node_id, status FROM tasks"))
    assert "failed" not in statuses.values() and "running" not in statuses.values(), statuses
    assert list(statuses.values()).count("pending") >= 2, "the running tasks were not left pending"

    (tmp_path / "markers" / "release").write_text("")  # tasks that never ran finish at once on resume
    again = subprocess.run([str(BINARY), "resume", str(out_dir)], capture_output=True, text=True, timeout=240)
    assert again.returncode == 0, again.stderr
    assert set(dict(query(out_dir, "SELECT node_id, status FROM tasks")).values()) == {"done"}
    return out_dir, err


@pytest.mark.parametrize("sig, send", [
    ("SIGINT", lambda p: to_launcher(p, signal.SIGINT)),
    ("SIGTERM", lambda p: to_launcher(p, signal.SIGTERM)),
    ("SIGUSR1", lambda p: to_launcher(p, signal.SIGUSR1)),
    ("every process SIGTERM", lambda p: signal_all(p, signal.SIGTERM)),
])
def test_a_signal_drains_the_run_and_resume_finishes_it(tmp_path, write_yaml, sig, send):
    wf = workflow(write_yaml, tmp_path, "until_stopped")
    out_dir, err = drain_and_resume(tmp_path, wf, send)
    # Models stopped at their own pace (should_stop), none had to be stopped hard; they resumed from a checkpoint.
    events = query(out_dir, "SELECT kind, message FROM events WHERE kind IN ('drain', 'lost')")
    assert [k for k, _ in events] == ["drain"], events
    results = query(out_dir, "SELECT result FROM tasks")
    assert sum('"resumed": true' in r or '"resumed":true' in r for (r,) in results) >= 2


def test_every_process_getting_sigterm_drains_an_isolated_shell_run(tmp_path, write_yaml):
    wf = workflow(write_yaml, tmp_path, "until_stopped", shell="isolated")
    drain_and_resume(tmp_path, wf, lambda p: signal_all(p, signal.SIGTERM))


def test_a_model_that_ignores_the_drain_is_stopped_after_the_grace_and_resumes(tmp_path, write_yaml):
    wf = workflow(write_yaml, tmp_path, "ignores_stop_once", grace=1)
    # Before the fix the job waited for the ten-minute sleeps: the safety timeout failed it.
    out_dir, err = drain_and_resume(tmp_path, wf, lambda p: to_launcher(p, signal.SIGTERM))
    stopped = query(out_dir, "SELECT message FROM events WHERE kind = 'drain' AND message LIKE '%stopped hard%'")
    assert len(stopped) == 2, stopped
    assert "SIGTERM" in err
