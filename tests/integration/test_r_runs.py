"""R through the supervisor: R model tasks in each worker's resident embedded R, and the R optimizers
(mbo, an unchanged EMEWS EQ/R algorithm) on rank 0's optimizer thread in embedded R."""
import json


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
