"""A Python model's output goes to its task's stdout.log and stderr.log, as R and app tasks' does, in both
shells: print, writes on the file descriptor, C stdio and child processes alike; none of it reaches the
launcher's stdout (a batch job's log)."""
import pytest

WORKFLOW = """
workflow: sweep
model:
  kind: python
  entry: procs_models:prints_everywhere
  python_path: ["@MODELS@"]
sweep: {grid: {x: [1, 2]}}
resources: {workers: 1, shell: SHELL}
"""


@pytest.mark.parametrize("shell", ["embedded", "isolated"])
def test_a_python_models_output_from_every_layer_lands_in_its_task_logs(supervisor, write_yaml, shell):
    run = supervisor("run", write_yaml(WORKFLOW.replace("SHELL", shell)), timeout=180)
    assert run.returncode == 0, run.stderr
    for x in (1, 2):
        folder = run.out_dir / "tasks" / str(run.tasks()[x - 1]["node_id"])
        out = (folder / "stdout.log").read_text()
        err = (folder / "stderr.log").read_text()
        for layer in ("python print", "raw fd write", "C printf", "child process"):
            assert f"task-{x} {layer}" in out, (layer, out)
        assert f"task-{x} python stderr" in err
        assert f"task-{x}" not in err.replace(f"task-{x} python stderr", "")
        other = 3 - x
        assert f"task-{other}" not in out, "one task's output leaked into another's log"
    assert "task-" not in run.stdout and "task-" not in run.stderr
