"""Searches through the supervisor: the optimizer runs in rank 0's embedded Python and talks to the
engine through the EMEWS-style queues."""
import json


def test_an_emews_algorithm_using_only_out_put_and_in_get_completes_a_search(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
optimizer:
  name: emews
  module: emews_search
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


def test_an_optimizer_that_dies_stops_the_campaign_with_its_traceback(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
optimizer: {name: emews, module: emews_broken, path: ["@MODELS@"]}
resources: {workers: 1}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 1
    assert "ZeroDivisionError" in run.stderr
    with run.db() as con:
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "failed"


def test_a_seeded_streaming_search_stops_at_max_evals_and_records_the_best(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
space:
  x: {type: float, low: -5, high: 5}
  y: {type: int, low: -5, high: 5}
  unused: {type: categorical, choices: [a, b, c]}
  level: {type: ordinal, values: [1, 2, 4]}
optimizer: {name: tpe, max_evals: 20, seed: 5}
resources: {workers: 2}
""")
    run = supervisor("run", wf, timeout=180)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == 20
    for t in tasks:
        p = json.loads(t["params"])
        assert -5 <= p["x"] <= 5 and isinstance(p["y"], int) and p["unused"] in "abc" and p["level"] in (1, 2, 4)
    with run.db() as con:
        done = [json.loads(m) for k, m in con.execute("SELECT kind, message FROM events") if k == "optimizer:done"]
    assert done and done[0]["best"]["objective"] == min(t["objective"] for t in tasks)


def test_several_objectives_on_a_pareto_search_list_the_front(supervisor, write_yaml):
    wf = write_yaml("""
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
space:
  x: {type: float, low: -5, high: 5}
  y: {type: float, low: -5, high: 5}
objective:
  metrics: [{metric: val_loss}, {metric: distance}]
  combine: pareto
optimizer: {name: nsga2, max_evals: 16, seed: 2, options: {population: 8}}
resources: {workers: 2}
""")
    run = supervisor("run", wf, timeout=180)
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        done = [json.loads(m) for k, m in con.execute("SELECT kind, message FROM events") if k == "optimizer:done"]
    assert done and done[0]["pareto"]
