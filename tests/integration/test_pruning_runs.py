"""Searches that stop bad trainings early (optimizer.pruner): the server judges each epoch a trial
reports, stops the losers through a per-task stop, and records the task as pruned with the value and epoch
it reached; the store holds every decision, and a resumed run never runs a pruned task again."""
import json
import signal
import subprocess
import time

from conftest import BINARY, Run, query_store, wait_for_store
from test_torture_resume import kill_job

ASHA = """
name: asha-curves
workflow: hpo
model: {kind: python, entry: "prune_models:curve", python_path: ["@MODELS@"], defaults: {epochs: 9, epoch_s: 0.3}}
space: {x: {type: float, low: 0, high: 1}}
optimizer:
  name: random
  max_evals: 12
  seed: 3
  pruner: {name: asha, min_epochs: 1, reduction_factor: 3, max_epochs: 9}
resources: {workers: 2@SHELL@}
"""


def decisions(con):
    return [dict(r) for r in con.execute("SELECT * FROM prune_decisions ORDER BY id")]


def check_pruned_search(run, expected_tasks=12, pruner="asha"):
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == expected_tasks
    by_node = {t["node_id"]: t for t in tasks}
    pruned = [t for t in tasks if t["status"] == "pruned"]
    assert pruned and len(pruned) < len(tasks)
    assert {t["status"] for t in tasks} <= {"done", "pruned"}
    with run.db() as con:
        made = decisions(con)
        metrics = {}
        for node, epoch, text in con.execute("SELECT node_id, epoch, metrics FROM metrics ORDER BY id"):
            metrics.setdefault(node, []).append((epoch, json.loads(text)))
    stops = [d for d in made if d["decision"] == "stop"]
    # Every stop decision stopped its task, and every pruned task was stopped by a decision.
    assert {d["node_id"] for d in stops} == {t["node_id"] for t in pruned}
    for d in made:
        assert d["pruner"] == pruner and d["rung_epoch"] in (1, 3)
        assert len(json.loads(d["trial_values"])) == 1
        others = json.loads(d["rung_values"])
        if d["decision"] == "stop":
            # Stopped only when another trial at the rung was better (the curves keep their ranks).
            assert any(o[0] < json.loads(d["trial_values"])[0] for o in others)
    for t in pruned:
        result = json.loads(t["result"])
        assert result["pruned"] is True
        last_epoch, last = metrics[t["node_id"]][-1]
        # Recorded with the last metrics it reported and the epoch it reached, before a full training.
        assert result["epoch"] == last_epoch < 9
        assert t["objective"] == last["val_loss"]
        assert t["error"] == ""
    for t in tasks:
        if t["status"] == "done":
            assert metrics[t["node_id"]][-1][0] == 9
    return by_node, made


def test_asha_stops_trials_that_fall_behind_and_records_its_decisions(supervisor, write_yaml):
    run = supervisor("run", write_yaml(ASHA.replace("@SHELL@", "")), timeout=300)
    check_pruned_search(run)
    # The run's summary and status count them.
    pruned = sum(t["status"] == "pruned" for t in run.tasks())
    assert f"({pruned} of them pruned early)" in run.stdout
    status = subprocess.run([str(BINARY), "status", str(run.out_dir)], capture_output=True, text=True, timeout=60)
    assert "pruned" in status.stdout


def test_hyperband_spreads_trials_over_brackets_and_prunes_within_each(supervisor, write_yaml):
    run = supervisor("run", write_yaml(ASHA.replace("@SHELL@", "").replace("name: asha", "name: hyperband")),
                     timeout=300)
    check_pruned_search(run, pruner="hyperband")
    with run.db() as con:
        first_rungs = {e for (e,) in con.execute("SELECT min(rung_epoch) FROM prune_decisions GROUP BY node_id")}
    assert first_rungs == {1, 3}  # brackets starting at epoch 1 and at epoch 3 (max_epochs 9)


def test_an_isolated_python_model_is_pruned_too(supervisor, write_yaml):
    run = supervisor("run", write_yaml(ASHA.replace("@SHELL@", ", shell: isolated")), timeout=300)
    check_pruned_search(run)


def test_an_asha_search_killed_again_and_again_keeps_its_decisions_and_never_reruns_a_pruned_task(tmp_path,
                                                                                                 write_yaml):
    wf = write_yaml(ASHA.replace("@SHELL@", "").replace("max_evals: 12", "max_evals: 18"))
    out = tmp_path / "run"

    def start(*args):
        return subprocess.Popen([str(BINARY), *args], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)

    def pruned_rows():
        return {n: (a, e) for n, a, e in query_store(out, "SELECT node_id, attempts, end_time FROM tasks "
                                                          "WHERE status = 'pruned'")}

    def decision_rows():
        return query_store(out, "SELECT id, node_id, epoch, decision, rung_values FROM prune_decisions") or []

    proc = start("run", str(wf), "--out", str(out))
    kept, decided, kills = {}, [], 0
    # kill -9 each session once the store shows more pruned tasks than the last one left (progress, not the
    # clock, decides when), then resume; whatever was recorded before a kill stays as it was.
    for target in (2, 4, 6):
        try:
            wait_for_store(out, "SELECT count(*) FROM tasks WHERE status = 'pruned'", lambda r: r[0][0] >= target,
                           timeout=240, proc=proc, what=f"{target} pruned tasks")
        except AssertionError:
            if proc.poll() is None:
                raise
            break  # the search ended first
        kill_job(proc, out)
        kills += 1
        now, decisions = pruned_rows(), decision_rows()
        assert all(now[n] == v for n, v in kept.items())
        assert decisions[:len(decided)] == decided
        kept, decided = now, decisions
        proc = start("resume", str(out))
    _, err = proc.communicate(timeout=300)
    assert kills >= 2
    by_node, made = check_pruned_search(Run(subprocess.CompletedProcess([], proc.returncode, "", err.decode()), out),
                                        expected_tasks=18)
    for node, (attempts, end_time) in kept.items():
        assert by_node[node]["status"] == "pruned"
        assert (by_node[node]["attempts"], by_node[node]["end_time"]) == (attempts, end_time)  # not run again
    assert decision_rows()[:len(decided)] == decided


PARETO = """
name: pareto-curves
workflow: hpo
model: {kind: python, entry: "prune_models:curve", python_path: ["@MODELS@"], defaults: {epochs: 9, epoch_s: 0.3}}
space: {x: {type: float, low: 0, high: 1}}
objective: {metrics: [{metric: val_loss}, {metric: latency}], combine: pareto}
optimizer:
  name: nsga2
  max_evals: 14
  seed: 5
  pruner: {name: asha, min_epochs: 1, reduction_factor: 3, max_epochs: 9}
resources: {workers: 2}
"""


def test_pareto_pruning_never_stops_a_trial_on_the_front_and_stops_dominated_ones(supervisor, write_yaml):
    run = supervisor("run", write_yaml(PARETO), timeout=300)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    with run.db() as con:
        made = decisions(con)
    assert made and all(len(json.loads(d["trial_values"])) == 2 for d in made)
    pruned = [t for t in tasks if t["status"] == "pruned"]
    assert pruned
    # The curves' Pareto set is 0.3 <= x <= 0.7 at every epoch: no other trial dominates one there.
    for t in pruned:
        x = json.loads(t["params"])["x"]
        assert not 0.3 <= x <= 0.7, t
    for d in made:
        if d["decision"] != "stop":
            continue
        mine = json.loads(d["trial_values"])
        others = json.loads(d["rung_values"])
        assert any(o[0] <= mine[0] and o[1] <= mine[1] and o != mine for o in others)  # dominated at its rung


def test_tpe_learns_pruned_trials_as_optuna_pruned_trials(supervisor, write_yaml):
    run = supervisor("run", write_yaml(ASHA.replace("@SHELL@", "").replace("name: random", "name: tpe")),
                     timeout=300)
    by_node, _ = check_pruned_search(run)
    with run.db() as con:
        logs = [json.loads(m) for k, m in con.execute("SELECT kind, message FROM events ORDER BY id")
                if k == "optimizer:log"]
        done = json.loads(con.execute("SELECT message FROM events WHERE kind = 'optimizer:done'").fetchone()[0])
    state = logs[-1]["optimizer"]
    # Optuna holds every trial, and only the full trainings as complete (the pruned ones as PRUNED).
    assert state["trials"] == len(by_node)
    assert state["complete"] == sum(t["status"] == "done" for t in by_node.values())
    # The search's best is a full training, never a value a pruned trial reached on its way.
    assert by_node[done["best"]["id"]]["status"] == "done"


APP = """
name: asha-app
workflow: hpo
model:
  kind: app
  command: [/usr/bin/python3, "@MODELS@/prune_app.py", "{params_file}"]
  defaults: {epochs: 9, epoch_s: 0.3}
  stop_signal: USR1
  stop_grace_s: 1
space: {x: {type: float, low: 0, high: 1}}
optimizer:
  name: random
  max_evals: 10
  seed: 3
  pruner: {name: asha, min_epochs: 1, reduction_factor: 3, max_epochs: 9}
resources: {workers: 2}
"""


def test_an_app_model_reports_epochs_through_its_progress_file_and_is_stopped_by_its_signal(supervisor, write_yaml):
    run = supervisor("run", write_yaml(APP), timeout=300)
    by_node, _ = check_pruned_search(run, expected_tasks=10)
    for node, t in by_node.items():
        marker = run.out_dir / "tasks" / node / "got-stop-signal"
        # Pruned ones got model.stop_signal, ignored it and were killed after the grace; the others never.
        assert marker.exists() == (t["status"] == "pruned"), node


def test_an_r_model_is_pruned_through_ctx_should_stop(supervisor, write_yaml):
    wf = ASHA.replace("@SHELL@", "").replace('{kind: python, entry: "prune_models:curve", python_path: ["@MODELS@"],',
                                             '{kind: r, entry: "@MODELS@/prune_models.R:curve",')
    assert "kind: r" in wf
    run = supervisor("run", write_yaml(wf), timeout=300)
    check_pruned_search(run)


def test_without_the_thread_level_a_stop_needs_the_pruner_is_off_and_says_so(supervisor, write_yaml, monkeypatch):
    monkeypatch.setenv("SV_MPI_THREADS", "funneled")
    run = supervisor("run", write_yaml(ASHA.replace("@SHELL@", "").replace("max_evals: 12", "max_evals: 3")),
                     timeout=300)
    assert run.returncode == 0, run.stderr
    assert "optimizer.pruner is off for this session" in run.stderr
    assert {t["status"] for t in run.tasks()} == {"done"}
    with run.db() as con:
        assert con.execute("SELECT count(*) FROM events WHERE kind = 'pruner'").fetchone()[0] == 1
