"""Each kind of bad input ends in one clear line (what and where) and a non-zero exit, and leaves
existing run data as it was."""
import hashlib
import sqlite3

import pytest

GOOD = "workflow: sweep\nmodel: {kind: noop}\nsweep: {grid: {x: [1, 2]}}\nresources: {workers: 1}\n"

CASES = {
    "malformed YAML": ("workflow: sweep\nmodel: {kind: noop\n", "invalid YAML"),
    "unknown key": (GOOD + "colour: blue\n", "colour: unknown key"),
    "wrong type": (GOOD.replace("workers: 1", "workers: [1]"), "resources.workers"),
    "empty range": ("workflow: sweep\nmodel: {kind: noop}\nsweep: {grid: {x: []}}\n", "sweep.grid.x"),
    "inverted range": ("workflow: hpo\nmodel: {kind: noop}\noptimizer: {name: random, max_evals: 3}\n"
                       "space: {lr: {type: float, low: 0.1, high: 0.01}}\n", "low (0.1) must be < high (0.01)"),
    "unknown optimizer": ("workflow: hpo\nmodel: {kind: noop}\noptimizer: {name: simplex, max_evals: 3}\n"
                          "space: {x: {type: float, low: 0, high: 1}}\n", "unknown optimizer \"simplex\""),
    "unknown workflow": ("workflow: pipeline\nmodel: {kind: noop}\n", "workflow: expected one of"),
    "missing sweep file": ("workflow: sweep\nmodel: {kind: noop}\nsweep: {file: nowhere.csv}\n", "nowhere.csv"),
    "bad python entry": ("workflow: sweep\nmodel: {entry: not-a-module}\nsweep: {grid: {x: [1]}}\n",
                         "model.entry"),
}


def one_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return len(lines) == 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_workflow_is_refused_with_one_line_naming_file_line_and_key(supervisor, write_yaml, name):
    text, expected = CASES[name]
    wf = write_yaml(text)
    for args in (("validate", wf), ("run", wf)):
        res = supervisor(*args)
        assert res.returncode == 2, (name, res.stderr)
        assert expected in res.stderr, (name, res.stderr)
        assert "wf.yaml" in res.stderr or "nowhere.csv" in res.stderr
        assert one_line(res.stderr), res.stderr
    assert not (wf.parent / "run").exists()


def test_a_missing_model_module_stops_the_job_naming_it(supervisor, write_yaml):
    wf = write_yaml("workflow: sweep\nmodel: {entry: \"no_such_pkg.models:run\"}\nsweep: {grid: {x: [1]}}\n"
                    "resources: {workers: 1}\n")
    res = supervisor("run", wf, timeout=120)
    assert res.returncode == 1
    assert "no_such_pkg" in res.stderr


def test_a_missing_model_function_stops_the_job_naming_it(supervisor, write_yaml):
    wf = write_yaml("workflow: sweep\nmodel: {entry: \"model_runner.examples.quadratic:nope\"}\n"
                    "sweep: {grid: {x: [1]}}\nresources: {workers: 1}\n")
    res = supervisor("run", wf, timeout=120)
    assert res.returncode == 1
    assert "nope" in res.stderr


def test_a_model_without_an_objective_fails_its_tasks_with_the_reason(supervisor, write_yaml, tmp_path):
    (tmp_path / "odd_models.py").write_text(
        "def no_objective(params):\n    return {'accuracy': 0.9}\n"
        "def not_json(params):\n    return {'val_loss': 1.0, 'thing': object()}\n")
    wf = write_yaml("workflow: sweep\nmodel: {entry: \"odd_models:no_objective\"}\nsweep: {grid: {x: [1]}}\n"
                    "resources: {workers: 1}\n")
    res = supervisor("run", wf, timeout=120)
    assert res.returncode == 3  # every task failed
    task = res.tasks()[0]
    assert task["status"] == "failed" and "val_loss" in task["error"] and "missing" in task["error"]


def test_an_app_printing_no_json_fails_its_task_with_the_reason(supervisor, write_yaml):
    wf = write_yaml("workflow: sweep\nmodel: {kind: app, command: [/bin/echo, hello]}\nsweep: {grid: {x: [1]}}\n"
                    "resources: {workers: 1}\n")
    res = supervisor("run", wf, timeout=120)
    task = res.tasks()[0]
    assert task["status"] == "failed" and "not a JSON object" in task["error"]


def make_run(supervisor, write_yaml):
    wf = write_yaml(GOOD)
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    return run


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_from_a_newer_schema_is_refused_and_left_alone(supervisor, write_yaml):
    run = make_run(supervisor, write_yaml)
    db = run.out_dir / "supervisor.db"
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    before = digest(db)
    for args in (("status", run.out_dir), ("resume", run.out_dir)):
        res = supervisor(*args)
        assert res.returncode == 2 and "newer" in res.stderr and one_line(res.stderr), res.stderr
    assert digest(db) == before


def test_a_corrupted_store_is_refused_and_left_alone(supervisor, write_yaml):
    run = make_run(supervisor, write_yaml)
    db = run.out_dir / "supervisor.db"
    data = bytearray(db.read_bytes())
    data[0:16] = b"not a database!!"
    db.write_bytes(bytes(data))
    before = digest(db)
    for args in (("status", run.out_dir), ("resume", run.out_dir)):
        res = supervisor(*args)
        assert res.returncode == 2 and "not a Supervisor run store" in res.stderr, res.stderr
    assert digest(db) == before


def test_a_run_held_by_another_supervisor_is_not_resumed(supervisor, write_yaml):
    import fcntl
    run = make_run(supervisor, write_yaml)
    with open(run.out_dir / "supervisor.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = supervisor("resume", run.out_dir)
    assert res.returncode == 2 and "active in another supervisor" in res.stderr


def test_a_locked_store_is_reported_not_hung_on(supervisor, write_yaml):
    run = make_run(supervisor, write_yaml)
    con = sqlite3.connect(run.out_dir / "supervisor.db", timeout=0)
    con.execute("PRAGMA locking_mode = EXCLUSIVE")
    con.execute("BEGIN EXCLUSIVE")
    res = supervisor("status", run.out_dir, timeout=60)
    con.rollback()
    con.close()
    assert res.returncode == 2 and "locked" in res.stderr, res.stderr


def test_an_unwritable_output_directory_is_a_clear_error(supervisor, write_yaml, tmp_path):
    import subprocess
    from conftest import BINARY
    (tmp_path / "a_file").write_text("")
    wf = write_yaml(GOOD)
    res = subprocess.run([str(BINARY), "run", str(wf), "--out", str(tmp_path / "a_file" / "run")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "cannot create the run directory" in res.stderr, res.stderr


def test_parameter_values_never_reach_a_shell_or_escape_the_run_directory(supervisor, write_yaml, tmp_path):
    wf = write_yaml("""
workflow: sweep
model: {kind: app, command: [/bin/echo, '{{"val_loss": 1, "name": "{name}"}}']}
sweep:
  list:
    - {name: "$(touch pwned)"}
    - {name: "'; DROP TABLE tasks; --"}
    - {name: "../../escape"}
resources: {workers: 1}
""")
    res = supervisor("run", wf)
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "pwned").exists()
    tasks = res.tasks()
    assert len(tasks) == 3 and {t["status"] for t in tasks} == {"done"}  # the table survived; values are data
    import json
    assert json.loads(tasks[1]["result"])["name"] == "'; DROP TABLE tasks; --"
    assert sorted(p.name for p in (res.out_dir / "tasks").iterdir()) == ["1", "2", "3"]
