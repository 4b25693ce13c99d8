"""Every workflows/*.yaml validates, and every one runs to the end (they are kept small)."""
import pathlib

import pytest

WORKFLOWS = sorted((pathlib.Path(__file__).resolve().parents[2] / "workflows").glob("*.yaml"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.stem for p in WORKFLOWS])
def test_bundled_workflow_runs(supervisor, path):
    assert supervisor("validate", path).returncode == 0
    run = supervisor("run", path, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    tasks = run.tasks()
    assert tasks and all(t["status"] == "done" for t in tasks), [t["error"] for t in tasks if t["error"]][:3]
