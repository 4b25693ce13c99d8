"""A job killed without a drain leaves its session marked running. `status` shows such a run as probably
killed once its store has been silent past the rule's threshold (a live server stamps it every 10 s; the
test writes an old stamp instead of waiting a minute), `status --watch` then stops with a clear line, and
the resume that finishes the run marks the killed session as killed."""
import json
import signal
import sqlite3
import subprocess

from conftest import BINARY
from live_run import finish, running_tasks, signal_all, start, wait_until

WORKFLOW = """
workflow: sweep
model:
  kind: python
  entry: procs_models:ignores_stop_once
  python_path: ["@MODELS@"]
  defaults: {marker_dir: "@MARKERS@"}
sweep: {grid: {x: [1]}}
resources: {workers: 1}
"""


def status(out_dir, *args, timeout=60):
    return subprocess.run([str(BINARY), "status", str(out_dir), *args], capture_output=True, text=True,
                          timeout=timeout)


def age_the_store(out_dir, seconds):
    """What a minute of silence leaves: the run's last stamp `seconds` in the past."""
    con = sqlite3.connect(out_dir / "supervisor.db")
    with con:
        con.execute("UPDATE runs SET updated = updated - ?", (seconds,))
    con.close()


def test_a_killed_session_reads_as_killed_and_watch_stops_and_resume_closes_it(tmp_path, write_yaml):
    markers = tmp_path / "markers"
    markers.mkdir()
    wf = write_yaml(WORKFLOW.replace("@MARKERS@", str(markers)))
    proc, out_dir = start(tmp_path, "run", wf)
    wait_until(lambda: running_tasks(out_dir), proc, what="a running task in the store")
    signal_all(proc, signal.SIGKILL)  # no drain, no last word
    finish(proc)

    age_the_store(out_dir, 600)
    st = json.loads(status(out_dir, "--json").stdout)
    assert st["run"]["status"] == "running" and st["run"]["probably_killed"] is True
    assert [s["status"] for s in st["sessions"]] == ["probably killed"]

    watch = status(out_dir, "--watch", "--interval", "0.2", timeout=60)  # before the fix: never returned
    assert watch.returncode == 1
    assert "probably killed" in watch.stderr and f"supervisor resume {out_dir}" in watch.stderr
    assert len(watch.stderr.strip().splitlines()) == 1

    again = subprocess.run([str(BINARY), "resume", str(out_dir)], capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    st = json.loads(status(out_dir, "--json").stdout)
    assert st["run"]["status"] == "done" and st["run"]["probably_killed"] is False
    assert [s["status"] for s in st["sessions"]] == ["killed", "done"]
    killed = st["sessions"][0]
    assert killed["ended"] is not None and killed["ended"] >= killed["started"]
    text = status(out_dir).stdout
    assert "probably killed" not in text and "killed" in text
