"""Walltime drain: before the allocation ends the server stops handing out work, running models
checkpoint and return, everything is recorded, the job exits 0 and `resume` finishes from the checkpoints."""
import json

import pytest

WORKFLOW = """
workflow: sweep
model:
  kind: python
  entry: itest_models:checkpointed
  python_path: ["@MODELS@"]
  defaults: {epochs: 12, epoch_sleep: 0.5}
sweep: {grid: {x: [1, 2, 3, 4]}}
resources: {workers: 2, shell: SHELL}
"""


@pytest.mark.parametrize("shell", ["embedded", "isolated"])
def test_a_drained_run_exits_cleanly_and_resumes_from_its_checkpoints(supervisor, write_yaml, shell):
    wf = write_yaml(WORKFLOW.replace("SHELL", shell))
    run = supervisor("run", wf, "--walltime", "8", "--drain-margin", "4", timeout=120)
    assert run.returncode == 0, run.stderr
    assert "walltime drain" in run.stderr
    with run.db() as con:
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "drained"
        assert con.execute("SELECT count(*) FROM events WHERE kind = 'drain'").fetchone()[0] == 1
    tasks = run.tasks()
    left = [t for t in tasks if t["status"] != "done"]
    assert left, "the drain came after every task was done; make the tasks longer"
    assert not [t for t in tasks if t["status"] == "failed"]

    again = supervisor("resume", run.out_dir, timeout=180)
    assert again.returncode == 0, again.stderr
    final = {t["node_id"]: t for t in again.tasks()}
    assert {t["status"] for t in final.values()} == {"done"}
    interrupted = [t["node_id"] for t in left if t["attempts"] > 0]
    assert interrupted, "no task was running at the drain"
    for node in interrupted:
        assert json.loads(final[node]["result"])["resumed_at"] > 1, f"task {node} did not resume from its checkpoint"
