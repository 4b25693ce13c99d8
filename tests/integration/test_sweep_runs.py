"""End-to-end sweeps through real mpiexec: what the run leaves in SQLite is the truth."""
import json


def test_two_worker_python_sweep_of_100_tuples_leaves_100_done_tasks_with_results(supervisor, write_yaml, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    wf = write_yaml("""
name: quad
workflow: sweep
model:
  kind: python
  entry: itest_models:quadratic_once_two_workers_run   # the quadratic, once both workers have a task
  python_path: ["@MODELS@"]
  defaults: {marker_dir: "MARKERS"}
sweep:
  grid:
    x: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    y: [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]
resources:
  workers: 2
""".replace("MARKERS", str(markers)))
    run = supervisor("run", wf, "--workers", 2)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == 100
    assert {t["status"] for t in tasks} == {"done"}
    for t in tasks:
        p = json.loads(t["params"])
        expected = (p["x"] - 1) ** 2 + (p["y"] + 2) ** 2
        assert t["objective"] == expected
        assert json.loads(t["result"])["val_loss"] == expected
        assert t["attempts"] == 1
        assert t["start_time"] <= t["end_time"]
        assert t["host"]
    assert {t["worker"] for t in tasks} == {1, 2}
    assert "best by val_loss" in run.stdout
    assert (run.out_dir / "tasks" / "1" / "params.json").exists()
    with run.db() as con:
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "done"
        assert con.execute("SELECT count(*) FROM sessions WHERE status='done'").fetchone()[0] == 1


def test_python_exception_fails_only_that_task_with_its_traceback(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: python, entry: "itest_models:fails_on_three", python_path: ["@MODELS@"]}
sweep: {list: [{x: 1}, {x: 2}, {x: 3}, {x: 4}, {x: 5}]}
resources: {workers: 1}
""")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    by_node = {t["node_id"]: t for t in run.tasks()}
    assert by_node["3"]["status"] == "failed"
    assert "x may not be 3" in by_node["3"]["error"]
    assert "Traceback" in by_node["3"]["error"]
    assert [by_node[n]["status"] for n in "1245"] == ["done"] * 4
    assert by_node["4"]["objective"] == 6.0


def test_model_progress_reports_become_metric_rows_written_while_the_task_ran(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model:
  kind: python
  entry: itest_models:epochs
  python_path: ["@MODELS@"]
  defaults: {epochs: 4, epoch_sleep: 0.3}
sweep: {grid: {x: [0, 1]}}
resources: {workers: 2}
""")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        rows = con.execute(
            "SELECT t.node_id, m.epoch, m.time, t.end_time FROM metrics m JOIN tasks t ON t.id = m.task_id "
            "ORDER BY t.node_id, m.epoch").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("1", e) for e in range(1, 5)] + [("2", e) for e in range(1, 5)]
    for node, epoch, t, end in rows:
        if epoch < 4:
            assert t < end


def test_csv_tuples_are_merged_over_model_defaults(supervisor, write_yaml, tmp_path):
    (tmp_path / "points.csv").write_text('x,y\n1,-2\n"3",0\n')
    wf = write_yaml("""
workflow: sweep
model: {kind: python, entry: "model_runner.examples.quadratic:run", defaults: {y: 100}}
sweep: {file: points.csv}
resources: {workers: 1}
""")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert [t["objective"] for t in tasks] == [0.0, 8.0]
    params = json.loads((run.out_dir / "tasks" / "2" / "params.json").read_text())
    assert params["x"] == 3 and params["y"] == 0


def test_status_reads_a_finished_run(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: noop}
sweep: {grid: {x: [1, 2, 3]}}
resources: {workers: 1}
""")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    status = supervisor("status", run.out_dir)
    assert status.returncode == 0, status.stderr
    assert "3 done" in status.stdout
