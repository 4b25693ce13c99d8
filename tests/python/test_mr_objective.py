"""Objective extraction: dicts, numbers, histories (Keras-style and reported), modes,
and the failures a NaN, an inf or a missing metric must produce."""
import json
import math
import os

import pytest

from mr_support import configure
from model_runner import run_model, shell
from model_runner.errors import TaskFailure
from model_runner.objective import adapt_output, finite, pick_objective

pytestmark = pytest.mark.usefixtures("clean_worker")

HISTORY = {"loss": [1.0, 0.5, 0.4], "val_loss": [0.9, 0.3, 0.6]}


class KerasHistory:
    """What keras.Model.fit returns: an object with a .history dict of lists."""

    def __init__(self, history):
        self.history = history
        self.model = object()  # not serializable: must not leak into the result


@pytest.mark.parametrize("mode,expected", [("last", 0.6), ("min", 0.3), ("max", 0.9)])
def test_modes_on_a_returned_history(mode, expected):
    outcome = run_model(lambda params: dict(HISTORY), metric="val_loss", mode=mode)
    assert outcome.ok, outcome.error
    assert outcome.objective == expected
    assert outcome.result["history"] == HISTORY


@pytest.mark.parametrize("mode,expected", [("last", 0.6), ("min", 0.3), ("max", 0.9)])
def test_keras_history_object(mode, expected):
    outcome = run_model(lambda params: KerasHistory(dict(HISTORY)), mode=mode)
    assert outcome.ok, outcome.error
    assert outcome.objective == expected
    assert outcome.result == {"history": HISTORY}


def test_dict_with_keras_history_inside():
    outcome = run_model(lambda p: {"val_loss": 0.25, "history": KerasHistory(dict(HISTORY))},
                        mode="last")
    assert outcome.objective == 0.25  # last: the returned value wins
    assert outcome.result["history"] == HISTORY
    outcome = run_model(lambda p: {"val_loss": 0.25, "history": KerasHistory(dict(HISTORY))},
                        mode="min")
    assert outcome.objective == 0.3   # min/max: the best epoch of the history


def test_reported_history_is_used_and_kept():
    def model(params, ctx):
        for epoch, (loss, val) in enumerate(zip(HISTORY["loss"], HISTORY["val_loss"]), 1):
            ctx.report(epoch, loss=loss, val_loss=val)
        return None

    outcome = run_model(model, mode="min")
    assert outcome.ok and outcome.objective == 0.3
    assert outcome.result["history"] == {"epoch": [1, 2, 3], **HISTORY}


def test_number_is_the_objective():
    outcome = run_model(lambda params: 0.125)
    assert outcome.ok and outcome.objective == 0.125
    assert outcome.result == {"objective": 0.125}
    import numpy as np
    assert run_model(lambda params: np.float32(2.5)).objective == 2.5


def test_objective_key_is_a_fallback_and_metric_may_be_none():
    assert run_model("model_runner.examples.noop:run").objective == 0.0
    outcome = run_model(lambda params: {"anything": 1}, metric=None)
    assert outcome.ok and outcome.objective is None


@pytest.mark.parametrize("value,message", [
    (float("nan"), "objective 'val_loss' is NaN"),
    (float("inf"), "objective 'val_loss' is inf"),
    (-math.inf, "objective 'val_loss' is -inf"),
    ("low", "objective 'val_loss' is not a number: 'low'"),
])
def test_bad_objective_values_fail(tmp_path, model_dir, value, message):
    folder = model_dir("badobj", f"""
        def run(params):
            return {{"val_loss": {value!r} if {isinstance(value, str)!r} else float({str(value)!r}),
                     "acc": 0.5}}
        """)
    configure(tmp_path, "badobj:run", python_path=[folder])
    ok, objective, result_json, error = shell.run_task(0, 1, "1", 0, "{}")
    assert (ok, objective, error) == (False, None, message)
    result = json.loads(result_json)   # still valid JSON: NaN/inf became null
    assert result["acc"] == 0.5


def test_missing_metric_names_the_keys():
    outcome = run_model(lambda params: {"loss": 0.1, "acc": 0.9})
    assert not outcome.ok
    assert outcome.error == "objective 'val_loss' missing from the result (keys: loss, acc)"


def test_nan_in_last_epoch_but_not_in_min_mode():
    history = {"val_loss": [0.5, 0.2, float("nan")]}
    assert run_model(lambda p: history, mode="last").error == "objective 'val_loss' is NaN"
    assert run_model(lambda p: history, mode="min").objective == 0.2
    all_nan = {"val_loss": [float("nan")] * 2}
    assert run_model(lambda p: all_nan, mode="min").error == "objective 'val_loss' is NaN"


def test_unsupported_return_type_fails():
    outcome = run_model(lambda params: "done")
    assert not outcome.ok and "model returned str" in outcome.error


def test_json_safety_of_results():
    import torch
    import numpy as np

    def model(params):
        return {"val_loss": torch.tensor(0.5), "n": np.int64(3), "arr": np.arange(3),
                "t": torch.ones(2), "bad": float("nan"), "obj": object(), "tup": (1, 2),
                "big": np.zeros(20000)}

    outcome = run_model(model)
    assert outcome.ok and outcome.objective == 0.5
    result = outcome.result
    assert result["val_loss"] == 0.5 and result["n"] == 3 and result["arr"] == [0, 1, 2]
    assert result["t"] == [1.0, 1.0] and result["bad"] is None and result["tup"] == [1, 2]
    assert result["obj"].startswith("<object object")
    assert result["big"].startswith("<ndarray shape=(20000,)")


def test_pick_objective_directly():
    result, history, number = adapt_output({"loss": [3, 2], "val_loss": [2, 1]})
    assert result == {} and number is None
    assert pick_objective("val_loss", "max", result, history) == 2.0
    with pytest.raises(TaskFailure, match=r"missing from the result \(keys: none; history: loss"):
        pick_objective("acc", "last", result, history)


def _runner_objective(value, metric, mode):
    """What the runner does with a model's answer (runner.py, _finish): adapt, keep the history in
    the result, pick."""
    result, history, number = adapt_output(value)
    if history is not None and "history" not in result:
        result = dict(result, history=history)
    if number is not None:
        return finite(number, metric)
    return pick_objective(metric, mode, result, history)


def test_the_runner_follows_the_objective_cases_every_model_kind_shares():
    # The same file holds core::pick_objective (R and app models) to the same answers.
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                        "objective_cases.json")
    with open(path) as f:
        cases = json.load(f)["cases"]
    assert len(cases) >= 15
    for case in cases:
        if "objective" in case:
            assert _runner_objective(case["result"], case["metric"], case["mode"]) == \
                case["objective"], case["name"]
        else:
            with pytest.raises(TaskFailure) as err:
                _runner_objective(case["result"], case["metric"], case["mode"])
            assert str(err.value) == case["error"], case["name"]
