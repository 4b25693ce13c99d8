"""R through the supervisor: R model tasks in each worker's resident embedded R, and the R optimizers
(mbo, an unchanged EMEWS EQ/R algorithm) on rank 0's optimizer thread in embedded R."""
import json
import pathlib


def test_an_r_model_that_errors_fails_its_task_and_the_campaign_goes_on(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: r, entry: "@MODELS@/r_models.R:sometimes_fails"}
sweep: {grid: {x: [-3, 1, -2, 2, -1]}}
resources: {workers: 2}
""")
    run = supervisor("run", wf, timeout=180)
    tasks = run.tasks()
    assert len(tasks) == 5, run.stderr
    by_x = {json.loads(t["params"])["x"]: t for t in tasks}
    for x in (-3, -2, -1):
        assert by_x[x]["status"] == "done" and abs(by_x[x]["objective"] - (x + 1) ** 2) < 1e-9
    for x in (1, 2):
        assert by_x[x]["status"] == "failed"
        assert "x must not be positive" in by_x[x]["error"]


def test_an_r_models_progress_reports_become_metrics_rows_and_its_output_goes_to_the_task_logs(supervisor,
                                                                                              write_yaml):
    wf = write_yaml("""
workflow: dag
model: {kind: r, entry: "@MODELS@/r_models.R:trains", defaults: {epochs: 3}}
models:
  plain: {kind: r, entry: "@MODELS@/r_models.R:reports_plainly"}
nodes:
  a: {params: {x: 0.5}}
  b: {params: {x: 1.5}}
  c: {model: plain, params: {x: 0.25}}
resources: {workers: 2}
""")
    run = supervisor("run", wf, timeout=180)
    assert run.returncode == 0, run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert {t["status"] for t in tasks.values()} == {"done"}, tasks
    with run.db() as con:
        rows = con.execute("SELECT node_id, attempt, epoch, metrics FROM metrics ORDER BY node_id, epoch").fetchall()
    by_node = {}
    for r in rows:
        by_node.setdefault(r["node_id"], []).append(r)
    assert [r["epoch"] for r in by_node["a"]] == [1, 2, 3]
    assert [json.loads(r["metrics"]) for r in by_node["b"]] == [
        {"epoch": 1, "loss": 1.0, "val_loss": 2.5}, {"epoch": 2, "loss": 0.5, "val_loss": 2.0},
        {"epoch": 3, "loss": 0.25, "val_loss": 1.75}]
    assert all(r["attempt"] == 1 for r in rows)
    assert [json.loads(r["metrics"]) for r in by_node["c"]] == [{"epoch": 1, "loss": 0.25}]
    result = json.loads(tasks["a"]["result"])
    assert result["history"]["epoch"] == [1, 2, 3] and tasks["a"]["objective"] == 0.75
    task_dir = pathlib.Path(json.loads(tasks["c"]["result"])["task_dir"])
    assert task_dir == run.out_dir / "tasks" / "c" and (task_dir / "params.json").exists()
    logs = run.out_dir / "tasks" / "a"
    assert (logs / "stdout.log").read_text() == "trained 3 epochs\n"
    assert "a message for stderr.log" in (logs / "stderr.log").read_text()


def test_an_r_model_past_its_timeout_fails_with_the_timeout_and_the_worker_goes_on(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: r, entry: "@MODELS@/r_models.R:spins", timeout: 5}
sweep: {list: [{seconds: 0.1}, {seconds: 300}, {seconds: 0.1}, {seconds: 0.2}]}
resources: {workers: 1}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert [t["status"] for t in tasks] == ["done", "failed", "done", "done"]
    slow = tasks[1]
    assert slow["error"].startswith("timed out after 5.0s (model.timeout): the model call was interrupted")
    assert "elapsed time limit" in slow["error"]


def test_a_drained_r_run_exits_cleanly_and_resumes_from_its_r_checkpoints(supervisor, write_yaml, tmp_path):
    # The model runs until the test releases it (a file), so the drain, 14 s after the start, finds it running
    # however slowly this machine starts the job.
    release = tmp_path / "release"
    wf = write_yaml(f"""
workflow: sweep
model:
  kind: r
  entry: "@MODELS@/r_models.R:checkpointed_until_released"
  defaults: {{epoch_sleep: 0.25, release: "{release}"}}
sweep: {{grid: {{x: [1, 2, 3, 4]}}}}
resources: {{workers: 2}}
""")
    run = supervisor("run", wf, "--walltime", "20", "--drain-margin", "6", timeout=180)
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "drained"
    tasks = run.tasks()
    assert not [t for t in tasks if t["status"] in ("done", "failed")], [(t["node_id"], t["error"]) for t in tasks]
    interrupted = [t for t in tasks if t["attempts"] > 0]
    assert interrupted, "no task was running at the drain"
    assert all("the supervisor asked the task to stop" in t["error"] for t in interrupted)

    release.touch()
    again = supervisor("resume", run.out_dir, timeout=180)
    assert again.returncode == 0, again.stderr
    final = {t["node_id"]: t for t in again.tasks()}
    assert {t["status"] for t in final.values()} == {"done"}
    for t in interrupted:
        assert json.loads(final[t["node_id"]]["result"])["resumed_at"] > 1, f"task {t['node_id']} did not resume"


def test_mbo_searches_a_mixed_space_through_the_supervisor(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: r, entry: "@MODELS@/r_models.R:quadratic"}
space:
  x: {type: float, low: -5, high: 5}
  y: {type: int, low: -5, high: 5}
  act: {type: categorical, choices: [relu, tanh]}
  level: {type: ordinal, values: [1, 2, 4]}
optimizer: {name: mbo, language: r, max_evals: 16, seed: 3, batch: 4, options: {init_design: 8}}
resources: {workers: 2}
""")
    run = supervisor("run", wf, timeout=240)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == 16 and {t["status"] for t in tasks} == {"done"}
    for t in tasks:
        p = json.loads(t["params"])
        assert -5 <= p["x"] <= 5 and isinstance(p["y"], int) and p["act"] in ("relu", "tanh")
        assert p["level"] in (1, 2, 4)
    with run.db() as con:
        events = dict(con.execute("SELECT kind, message FROM events WHERE kind = 'optimizer:done'").fetchall())
    best = json.loads(events["optimizer:done"])["best"]
    assert best["objective"] == min(t["objective"] for t in tasks)


def test_an_emews_r_algorithm_using_only_out_put_and_in_get_completes_a_search(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
optimizer:
  name: emews
  language: r
  module: emews_search.R
  path: ["@MODELS@"]
  settings: "size=4;generations=3"
resources: {workers: 2}
""")
    run = supervisor("run", wf, timeout=180)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == 12 and {t["status"] for t in tasks} == {"done"}
    with run.db() as con:
        events = con.execute("SELECT kind, message FROM events ORDER BY id").fetchall()
    finals = [json.loads(m) for k, m in events if k == "optimizer:final"]
    assert finals and abs(finals[-1]["best"]["x"] - 1.0) < 1.6
    assert any(k == "optimizer:done" for k, _ in events)


def test_an_r_optimizer_that_errors_stops_the_campaign_with_rs_message(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
optimizer: {name: emews, language: r, module: emews_broken.R, path: ["@MODELS@"], settings: "x"}
resources: {workers: 1}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 1
    assert "the algorithm broke on purpose" in run.stderr


def test_a_hung_r_optimizer_is_detected_by_the_watchdog(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
optimizer:
  name: emews
  language: r
  module: emews_hangs.R
  path: ["@MODELS@"]
  options: {hang_timeout: 3}
resources: {workers: 1}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 1
    assert "hung" in run.stderr and "hang_timeout" in run.stderr
