"""A Python model's children end with its task: a child it forgot and a double-forked daemon in a session
of its own are ended when the model returns (the worker is a subreaper), so `supervisor run` returns once
the work is done and nothing it started outlives the run."""
import pytest

from live_run import alive

WORKFLOW = """
workflow: sweep
model:
  kind: python
  entry: procs_models:leaves_children
  python_path: ["@MODELS@"]
  defaults: {marker_dir: "@MARKERS@"}
sweep: {grid: {x: [1, 2]}}
resources: {workers: 1, shell: SHELL}
"""


@pytest.mark.parametrize("shell", ["embedded", "isolated"])
def test_children_a_model_leaves_end_with_its_task_and_the_run_returns(supervisor, write_yaml, tmp_path, shell):
    markers = tmp_path / "markers"
    markers.mkdir()
    wf = write_yaml(WORKFLOW.replace("SHELL", shell).replace("@MARKERS@", str(markers)))
    # Before the fix the run waited for the 10-minute sleeps: the safety timeout would fail it.
    run = supervisor("run", wf, timeout=240)
    assert run.returncode == 0, run.stderr
    assert {t["status"] for t in run.tasks()} == {"done"}
    pids = {p.name: int(p.read_text()) for p in markers.iterdir()}
    assert sorted(pids) == ["child-1", "child-2", "daemon-1", "daemon-2"]
    assert not [name for name, pid in pids.items() if alive(pid)], "a model's process outlived the run"
