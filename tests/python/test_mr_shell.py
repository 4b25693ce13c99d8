"""The C++ <-> Python contract: configure(), run_task() and what they must never do."""
import json
import os
import sys

import pytest

from mr_support import configure
from model_runner import shell

pytestmark = pytest.mark.usefixtures("clean_worker")

MODELS = """
import sys

def trivial(params):
    return {"x": 1}

def boom(params, ctx):
    ctx.report(1, loss=0.5)
    raise ValueError("learning rate too high\\nsecond line")

def leave(params):
    sys.exit(3)

def slow(params, ctx):
    while not ctx.should_stop():
        pass
    return {"val_loss": 1.0}

def nothing():
    return 0.5

def streams(params, ctx):
    for epoch in (1, 2):
        ctx.report(epoch, loss=1.0 / epoch, val_loss=float("nan") if epoch == 1 else 0.25)
    return {"val_loss": 0.25}

def touches(params, ctx):
    return {"val_loss": 0.0, "dir": ctx.task_dir}
"""


@pytest.fixture
def models(model_dir):
    return model_dir("shellmodels", MODELS)


def test_trivial_task_and_result_tuple(tmp_path, models):
    configure(tmp_path, "shellmodels:trivial", python_path=[models], metric="x")
    assert models in sys.path
    ok, objective, result_json, error = shell.run_task(0, 7, "1", 0, '{"a": 1}')
    assert (ok, objective, json.loads(result_json), error) == (True, 1.0, {"x": 1}, "")
    assert isinstance(objective, float)


def test_exception_becomes_failed_task_with_traceback(tmp_path, models):
    configure(tmp_path, "shellmodels:boom", python_path=[models], name="uno")
    ok, objective, result_json, error = shell.run_task(0, 3, "1.2", 1, "{}")
    assert ok is False and objective is None
    head, blank, trace = error.partition("\n\n")
    assert head == "ValueError: learning rate too high [model 'uno', node 1.2, task 3]"
    assert trace.startswith("Traceback (most recent call last):")
    assert 'in boom' in trace and "runner.py" not in trace
    assert json.loads(result_json)["history"] == {"epoch": [1], "loss": [0.5]}


@pytest.mark.parametrize("params_json,message", [
    ("{not json", "task parameters are not valid JSON"),
    ("[1, 2]", "task parameters must be a JSON object, not list"),
])
def test_bad_parameters_fail_cleanly(tmp_path, models, params_json, message):
    configure(tmp_path, "shellmodels:trivial", python_path=[models], metric="x")
    ok, _, _, error = shell.run_task(0, 1, "1", 0, params_json)
    assert not ok and error.startswith(message)


def test_run_task_never_raises(tmp_path, models):
    configure(tmp_path, "shellmodels:leave", python_path=[models])
    ok, _, _, error = shell.run_task(0, 1, "1", 0, "{}")
    assert not ok and error.startswith("model called sys.exit(3)")
    assert shell.run_task(5, 1, "1", 0, "{}")[0] is False        # unknown model index
    assert shell.run_task("x", 1, "1", 0, "{}")[0] is False      # wrong types from C++
    assert len(shell.run_task(0, 1, "1", 0, None)) == 4           # None params: no raise


def test_zero_argument_model(tmp_path, models):
    configure(tmp_path, "shellmodels:nothing", python_path=[models])
    assert shell.run_task(0, 1, "1", 0, "{}")[:2] == (True, 0.5)


def test_bad_preload_raises_naming_the_module(tmp_path, models):
    with pytest.raises(ImportError, match="preload module 'no_such_module_xyz'"):
        configure(tmp_path, "shellmodels:trivial", python_path=[models],
                  preload=["json", "no_such_module_xyz"])


def test_bad_entry_raises_at_configure(tmp_path, models):
    with pytest.raises(ImportError, match="no_such_pkg"):
        configure(tmp_path, "no_such_pkg.mod:run")
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        configure(tmp_path, "shellmodels:missing", python_path=[models])
    with pytest.raises(ValueError, match="package.module:function"):
        configure(tmp_path, "shellmodels.trivial", python_path=[models])
    with pytest.raises(ValueError, match="objective mode 'best'"):
        configure(tmp_path, "shellmodels:trivial", python_path=[models], mode="best")


def test_non_python_models_are_placeholders(tmp_path):
    shell.configure(json.dumps({"tasks_dir": str(tmp_path / "tasks"), "models": [
        {"name": "r", "kind": "r", "entry": "x.R:f"}]}))
    ok, _, _, error = shell.run_task(0, 1, "1", 0, "{}")
    assert not ok and "kind 'r'" in error


def test_streaming_through_supervisor_module(tmp_path, models, fake_supervisor):
    configure(tmp_path, "shellmodels:streams", python_path=[models])
    ok, objective, result_json, _ = shell.run_task(0, 42, "3", 0, "{}")
    assert ok and objective == 0.25
    assert fake_supervisor.sent == [(42, {"epoch": 1, "loss": 1.0, "val_loss": None}),
                                    (42, {"epoch": 2, "loss": 0.5, "val_loss": 0.25})]
    assert json.loads(result_json)["history"]["val_loss"] == [None, 0.25]


def test_stop_request_marks_the_task_interrupted(tmp_path, models, fake_supervisor):
    configure(tmp_path, "shellmodels:slow", python_path=[models])
    fake_supervisor.stop = True
    ok, _, result_json, error = shell.run_task(0, 1, "1", 0, "{}")
    assert not ok and error.startswith("interrupted")
    assert json.loads(result_json)["interrupted"] is True


def test_timeout_is_cooperative(tmp_path, models):
    configure(tmp_path, "shellmodels:slow", python_path=[models], timeout=0.05)
    ok, _, _, error = shell.run_task(0, 1, "1", 0, "{}")  # `slow` never ends unless the timeout stops it
    assert not ok and error.startswith("timed out after") and "timeout 0.05 s" in error


def test_task_files_true_writes_params_and_result(tmp_path, models):
    configure(tmp_path / "run", "shellmodels:trivial", python_path=[models], metric="x",
              task_files=True, defaults={"b": 2})
    assert shell.run_task(0, 1, "1.2", 0, '{"a": 1}')[0]
    task_dir = tmp_path / "run" / "tasks" / "1.2"
    assert json.loads((task_dir / "params.json").read_text()) == {"b": 2, "a": 1}
    assert json.loads((task_dir / "result.json").read_text()) == {"x": 1}
    assert not [n for n in os.listdir(task_dir) if n.startswith(".tmp")]


def test_task_files_false_writes_nothing(tmp_path, models):
    configure(tmp_path / "run", "shellmodels:trivial", python_path=[models], metric="x")
    assert shell.run_task(0, 1, "1", 0, "{}")[0]
    assert not (tmp_path / "run").exists()


def test_task_dir_is_made_only_when_asked_for(tmp_path, models):
    configure(tmp_path / "run", "shellmodels:touches", python_path=[models])
    ok, _, result_json, _ = shell.run_task(0, 1, "../evil/1", 0, "{}")
    assert ok
    task_dir = json.loads(result_json)["dir"]
    assert task_dir == str(tmp_path / "run" / "tasks" / "_._evil_1")
    assert os.path.isdir(task_dir)
