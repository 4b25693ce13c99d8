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


def test_uno_trials_an_asha_search_stops_are_recorded_pruned_with_their_last_epochs_metrics(supervisor, write_yaml):
    # Learning rate 1e-5 is hopeless at epoch 1 next to 1e-2: ASHA (rungs 1 and 2) stops such trials that come
    # after a better one. The uno model returns at ctx.should_stop(); the store has it as pruned.
    wf = write_yaml("""
name: uno-asha
workflow: hpo
model:
  kind: python
  entry: model_runner.examples.uno:run
  defaults: {epochs: 4, patience: 0, n_rows: 600, n_cells: 20, n_drugs: 10, dense: [16], dense_feature_layers: [8]}
space:
  learning_rate: {type: categorical, choices: [1.0e-5, 1.0e-2]}
  dropout: {type: float, low: 0.0, high: 0.2}
optimizer:
  name: random
  max_evals: 8
  seed: 2
  pruner: {name: asha, min_epochs: 1, reduction_factor: 2, max_epochs: 4}
objective: {metric: val_loss, mode: min}
resources: {workers: 2, preload: [torch]}
""")
    run = supervisor("run", wf, timeout=300)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == 8 and {t["status"] for t in tasks} <= {"done", "pruned"}
    pruned = [t for t in tasks if t["status"] == "pruned"]
    assert pruned
    with run.db() as con:
        for t in tasks:
            rows = [(e, json.loads(m)) for e, m in con.execute(
                "SELECT epoch, metrics FROM metrics WHERE task_id = ? ORDER BY epoch", (t["id"],))]
            result = json.loads(t["result"])
            if t["status"] == "done":
                assert [e for e, _ in rows] == [1, 2, 3, 4]
                continue
            # Stopped before a full training, with the epoch it reached and that epoch's metrics.
            assert result["pruned"] is True and result["epoch"] == rows[-1][0] < 4
            assert result["val_loss"] == rows[-1][1]["val_loss"]
            assert t["objective"] == min(m["val_loss"] for _, m in rows)  # mode: min, over the epochs it ran
            assert not (run.out_dir / "tasks" / t["node_id"] / "weights.pt").exists()
