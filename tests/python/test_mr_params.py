"""CANDLE-style parameter files and the merge order defaults <- workflow <- tuple."""
import json

import pytest

from mr_support import configure
from model_runner import load_default_params, merge_params, shell
from model_runner.params import parse_value

pytestmark = pytest.mark.usefixtures("clean_worker")

INI = """\
# a CANDLE default model file
[Global_Params]
dense=[500, 100, 50]
learning_rate=0.001
activation='relu'
optimizer=sgd
batch_norm=True
use_gpu = false
drop = 0.1   # inline comment
conv = 3,4
data_url = http://example.org/data%20v1/
cell_types = None
shared = global

[Monitor_Params]
shared = monitor
timeout = 3600
"""


def test_ini_values_parse_like_candle(tmp_path):
    path = tmp_path / "model_default.txt"
    path.write_text(INI)
    params = load_default_params(path)
    assert params["dense"] == [500, 100, 50]
    assert params["learning_rate"] == 0.001 and isinstance(params["learning_rate"], float)
    assert params["activation"] == "relu"          # quoted
    assert params["optimizer"] == "sgd"            # unquoted
    assert params["batch_norm"] is True
    assert params["use_gpu"] is False              # lower-case word
    assert params["drop"] == 0.1
    assert params["conv"] == [3, 4]                # a tuple becomes a list
    assert params["data_url"] == "http://example.org/data%20v1/"  # no interpolation
    assert params["cell_types"] is None
    assert params["timeout"] == 3600               # other sections are flattened
    assert params["shared"] == "global"            # Global_Params first, first wins


def test_ini_without_section_header(tmp_path):
    path = tmp_path / "flat.ini"
    path.write_text("epochs = 3\nname = uno\n")
    assert load_default_params(path) == {"epochs": 3, "name": "uno"}


def test_yaml_flat_and_sectioned(tmp_path):
    flat = tmp_path / "p.yaml"
    flat.write_text("dense: [64, 32]\nlearning_rate: 1.0e-3\nbatch_norm: true\nname: uno\n")
    assert load_default_params(flat) == {"dense": [64, 32], "learning_rate": 0.001,
                                         "batch_norm": True, "name": "uno"}
    sectioned = tmp_path / "q.yml"
    sectioned.write_text("Global_Params:\n  epochs: 5\n  a: 1\nData_Params:\n  a: 2\n  b: x\n")
    assert load_default_params(sectioned) == {"epochs": 5, "a": 1, "b": "x"}


def test_json_file_and_errors(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"epochs": 2, "dense": [4]}')
    assert load_default_params(path) == {"epochs": 2, "dense": [4]}
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        load_default_params(tmp_path / "missing.txt")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ValueError, match="bad.yaml"):
        load_default_params(bad)


@pytest.mark.parametrize("text,value", [
    ("[1, 2]", [1, 2]), ("'a b'", "a b"), ("a b", "a b"), ("1e-3", 0.001), ("True", True),
    ("null", None), ("", ""), ("{'k': (1, 2)}", {"k": [1, 2]}), ("-7", -7)])
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_merge_order_and_types():
    merged = merge_params({"a": 1, "b": [1, 2], "c": "x", "lr": 0.1, "flag": True, "n": 3},
                          None,
                          {"a": 2, "c": "y"},
                          {"a": 5, "b": [3], "lr": 1, "flag": "false", "n": 4.0, "new": None})
    assert merged == {"a": 5, "b": [3], "c": "y", "lr": 1.0, "flag": False, "n": 4, "new": None}
    assert isinstance(merged["lr"], float) and isinstance(merged["n"], int)
    # lossy conversions are not made: the model sees what the user gave
    assert merge_params({"n": 3}, {"n": 3.5}) == {"n": 3.5}
    assert merge_params({"lr": 0.1}, {"lr": "0.5"}) == {"lr": 0.5}
    assert merge_params({"dense": [1]}, {"dense": "[8, 4]"}) == {"dense": [8, 4]}
    assert merge_params() == {}


def test_runner_merges_file_then_workflow_then_tuple(tmp_path, model_dir):
    folder = model_dir("paramodel", """
        DEFAULT_PARAMS_FILE = "paramodel_default.txt"

        def run(params, ctx):
            return {"val_loss": 0.0, "seen": params}
        """, files={"paramodel_default.txt": INI})
    configure(tmp_path / "run", "paramodel:run", python_path=[folder],
              defaults={"learning_rate": 0.01, "optimizer": "adam", "epochs": 2},
              task_files=True)
    ok, objective, result_json, error = shell.run_task(
        0, 1, "1", 0, json.dumps({"optimizer": "rmsprop", "dense": [8], "epochs": 3.0}))
    assert ok, error
    seen = json.loads(result_json)["seen"]
    assert seen["learning_rate"] == 0.01          # workflow over file
    assert seen["optimizer"] == "rmsprop"         # tuple over workflow
    assert seen["dense"] == [8]                   # tuple over file
    assert seen["epochs"] == 3 and isinstance(seen["epochs"], int)
    assert seen["batch_norm"] is True and seen["activation"] == "relu"  # file only
    written = json.loads((tmp_path / "run" / "tasks" / "1" / "params.json").read_text())
    assert written == seen


def test_default_params_dict_attribute(tmp_path, model_dir):
    folder = model_dir("dictmodel", """
        default_params = {"x": 1.5, "tag": "a"}

        def run(params):
            return {"val_loss": params["x"], "tag": params["tag"]}
        """)
    configure(tmp_path, "dictmodel:run", python_path=[folder], defaults={"tag": "b"})
    ok, objective, result_json, _ = shell.run_task(0, 1, "1", 0, "{}")
    assert ok and objective == 1.5 and json.loads(result_json)["tag"] == "b"
