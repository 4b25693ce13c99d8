"""Walltime drain: before the allocation ends the server stops handing out work, running models
checkpoint and return, everything is recorded, the job exits 0 and `resume` finishes from the checkpoints.
The models run until the test releases them (a file), so the drain finds them running on a machine of any
speed; the only clock is the drain's own, set generously after the start for a slow start-up."""
import json

import pytest

WORKFLOW = """
workflow: sweep
model:
  kind: python
  entry: itest_models:checkpointed_until_released
  python_path: ["@MODELS@"]
  defaults: {epoch_sleep: 0.25, release: "RELEASE"}
sweep: {grid: {x: [1, 2, 3, 4]}}
resources: {workers: 2, shell: SHELL}
"""

# Drain 14 s after the start (walltime 20 s, margin 6 s): time for two workers to start a task each.
WALLTIME = ["--walltime", "20", "--drain-margin", "6"]


@pytest.mark.parametrize("shell", ["embedded", "isolated"])
def test_a_drained_run_exits_cleanly_and_resumes_from_its_checkpoints(supervisor, write_yaml, shell, tmp_path):
    release = tmp_path / "release"
    wf = write_yaml(WORKFLOW.replace("SHELL", shell).replace("RELEASE", str(release)))
    run = supervisor("run", wf, *WALLTIME, timeout=180)
    assert run.returncode == 0, run.stderr
    assert "walltime drain" in run.stderr
    with run.db() as con:
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "drained"
        assert con.execute("SELECT count(*) FROM events WHERE kind = 'drain'").fetchone()[0] == 1
    tasks = run.tasks()
    assert not [t for t in tasks if t["status"] in ("done", "failed")], [(t["node_id"], t["error"]) for t in tasks]
    interrupted = [t["node_id"] for t in tasks if t["attempts"] > 0]
    assert interrupted, "no task was running at the drain"

    release.touch()
    again = supervisor("resume", run.out_dir, timeout=180)
    assert again.returncode == 0, again.stderr
    final = {t["node_id"]: t for t in again.tasks()}
    assert {t["status"] for t in final.values()} == {"done"}
    for node in interrupted:
        assert json.loads(final[node]["result"])["resumed_at"] > 1, f"task {node} did not resume from its checkpoint"
