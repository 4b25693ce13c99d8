"""The uno example through the supervisor: real PyTorch trainings whose per-epoch metrics stream into the
store while they run."""
import json


def test_uno_tasks_stream_per_epoch_rows_before_they_end(supervisor, write_yaml):
    wf = write_yaml("""
name: uno-it
workflow: sweep
model:
  kind: python
  entry: model_runner.examples.uno:run
  defaults: {epochs: 4, patience: 0, n_rows: 1500}
sweep:
  grid:
    learning_rate: [0.001, 0.01]
    dropout: [0.0, 0.2]
objective: {metric: val_loss, mode: min}
resources: {workers: 2, preload: [torch]}
""")
    run = supervisor("run", wf, timeout=300)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == 4 and {t["status"] for t in tasks} == {"done"}
    with run.db() as con:
        for t in tasks:
            rows = con.execute("SELECT epoch, time, metrics FROM metrics WHERE task_id = ? ORDER BY epoch",
                               (t["id"],)).fetchall()
            assert [r[0] for r in rows] == [1, 2, 3, 4]
            for epoch, time, metrics in rows:
                assert t["start_time"] < time < t["end_time"]
                assert {"loss", "val_loss"} <= set(json.loads(metrics))
            # mode: min -> the objective is the best epoch's val_loss
            assert t["objective"] == min(json.loads(r[2])["val_loss"] for r in rows)
    # Which worker ran what depends on start-up times (test_sweep_runs pins that both workers are used).
    assert {t["worker"] for t in tasks} <= {1, 2}
    weights = list((run.out_dir / "tasks").glob("*/weights.pt"))
    assert len(weights) == 4
