"""What the dataflow workflows need from model_runner: where a task's initial weights came from, how
long a worker keeps weights for children (sublearning's `_children`, `_weights_keep`), uno's split by
cell (`val_cells`) and UQ perturbations, and the uq aggregation node."""
import json

import numpy as np
import pytest
import torch

from model_runner import Context, run_model
from model_runner.aggregate import describe, uq

pytestmark = pytest.mark.usefixtures("clean_worker")

UNO = "model_runner.examples.uno:run"
TINY = {"n_rows": 600, "n_cells": 20, "n_drugs": 10, "dense": [16], "dense_feature_layers": [8],
        "batch_size": 32, "epochs": 2, "patience": 0, "seed": 5, "checkpoint_every": 0}


def test_weights_source_says_memory_file_or_none(tmp_path):
    state = {}
    parent = Context({"_children": 2}, task_dir=tmp_path / "p", node_id="1", worker_state=state)
    path = parent.save_weights({"w": torch.zeros(2)})
    here = Context({"_parent": "1", "_initial_weights": path}, node_id="1.1", worker_state=state)
    assert isinstance(here.initial_weights, dict) and here.weights_source == "memory"
    elsewhere = Context({"_parent": "1", "_initial_weights": path}, node_id="1.2", worker_state={})
    assert elsewhere.initial_weights == path and elsewhere.weights_source == "file"
    root = Context({}, node_id="2", worker_state=state)
    assert root.initial_weights is None and root.weights_source == "none"
    assert Context({}).weights_source is None  # never asked: nothing recorded


def test_weights_leave_memory_once_every_child_here_took_them(tmp_path):
    state = {}
    Context({"_children": 2}, task_dir=tmp_path / "p", node_id="1", worker_state=state).save_weights(
        {"w": torch.ones(1)})
    first = Context({"_parent": "1"}, node_id="1.1", worker_state=state)
    assert first.initial_weights is not None
    assert first.initial_weights is first.initial_weights  # looked at twice, counted once
    assert "1" in state["weights"]
    Context({"_parent": "1"}, node_id="1.2", worker_state=state).initial_weights
    assert "1" not in state["weights"] and not state["weight_paths"]


def test_leaves_keep_no_weights_in_memory_and_the_cap_comes_from_params(tmp_path):
    state = {}
    Context({"_children": 0}, task_dir=tmp_path / "leaf", node_id="1.1.1", worker_state=state).save_weights(
        {"w": torch.ones(1)})
    assert (tmp_path / "leaf" / "weights.pt").exists()
    assert "1.1.1" not in state.get("weights", {})
    for node in ("1", "2", "3", "4", "5", "6"):
        Context({"_children": 4, "_weights_keep": 5}, task_dir=tmp_path / node, node_id=node,
                worker_state=state).save_weights({"w": torch.ones(1)})
    assert list(state["weights"]) == ["2", "3", "4", "5", "6"]


def test_the_runner_records_the_weights_source_in_the_result(tmp_path):
    parent = run_model(UNO, dict(TINY, _children=1), task_dir=str(tmp_path / "p"), node_id="1")
    assert parent.ok, parent.error
    assert parent.result["weights_source"] == "none"
    child = run_model(UNO, dict(TINY, _parent="1", _initial_weights=parent.result["artifacts"]["weights"]),
                      task_dir=str(tmp_path / "c"), node_id="1.1")
    assert child.ok, child.error
    assert child.result["weights_source"] in ("memory", "file")
    assert child.result["from_initial_weights"]


def test_uno_trains_on_cells_and_validates_on_val_cells(tmp_path):
    out = run_model(UNO, dict(TINY, cells=[0, 1, 2, 3, 4, 5, 6, 7], val_cells=[10, 11]), task_dir=str(tmp_path))
    assert out.ok, out.error
    assert out.result["n_cells"] == 10
    from model_runner.examples.uno import load_data
    data, train, val = load_data({"n_rows": 600, "n_cells": 20, "n_drugs": 10, "cells": [0, 1, 2, 3, 4, 5, 6, 7],
                                  "val_cells": [10, 11]})
    assert set(data.cell[train]) <= set(range(8)) and set(data.cell[val]) == {10, 11}
    assert out.result["n_train"] == len(train) and out.result["n_val"] == len(val)
    assert out.result["steps"] == out.result["epochs_run"] * -(-len(train) // 32)
    bad = run_model(UNO, dict(TINY, cells=[0, 1, 2], val_cells=[2, 3]), task_dir=str(tmp_path / "bad"))
    assert not bad.ok and "cells and val_cells share [2]" in bad.error


def test_uno_uq_perturbations_and_predictions(tmp_path):
    base = run_model(UNO, dict(TINY, save_predictions=True), task_dir=str(tmp_path / "a"))
    sub = run_model(UNO, dict(TINY, save_predictions=True, train_subsample=0.5), task_dir=str(tmp_path / "b"))
    mc = run_model(UNO, dict(TINY, mc_dropout=3, dropout=0.3), task_dir=str(tmp_path / "c"))
    for out in (base, sub, mc):
        assert out.ok, out.error
    assert sub.result["n_train"] == round(base.result["n_train"] * 0.5)
    a, c = np.load(base.result["predictions"]), np.load(mc.result["predictions"])
    assert np.array_equal(a["row"], c["row"]) and a["pred"].shape == c["pred"].shape
    assert "val_loss_mc" in mc.result


def test_uq_aggregate_statistics(tmp_path):
    files = []
    for i in range(3):
        path = tmp_path / f"p{i}.npz"
        np.savez(path, row=np.arange(4), pred=np.arange(4) + i, target=np.zeros(4))
        files.append(str(path))
    replicas = [{"id": f"a.{i + 1}", "perturbation": "a", "replica": i + 1, "status": "done", "objective": 1.0 + i,
                 "result": {"val_loss": 1.0 + i, "val_mae": 2.0 * i, "predictions": files[i]}} for i in range(3)]
    replicas.append({"id": "b.1", "perturbation": "b", "replica": 1, "status": "failed", "objective": None,
                     "result": {}, "error": "boom"})
    ctx = Context(task_dir=tmp_path / "agg")
    out = uq({"metric": "val_loss", "percentiles": [50], "perturbations": [{"name": "a"}, {"name": "b"}],
              "replicas": replicas}, ctx)
    assert out["val_loss"] == pytest.approx(2.0)
    assert out["replicas_done"] == 3 and out["replicas_failed"] == 1 and out["failed"] == ["b.1"]
    assert out["objective"]["by_perturbation"]["a"] == describe([1.0, 2.0, 3.0], [50])
    assert out["objective"]["by_perturbation"]["b"] == {"n": 0}
    assert out["metrics"]["val_mae"]["all"]["mean"] == pytest.approx(2.0)
    pred = out["predictions"]
    assert pred["samples"] == 4 and pred["by_perturbation"]["a"]["mean_std"] == pytest.approx(1.0)
    lines = open(pred["file"]).read().splitlines()
    assert lines[0].startswith("perturbation,sample,row,target,n,mean,std,p50")
    assert lines[1] == "a,0,0,0,3,1,1,1"
    with pytest.raises(RuntimeError, match="no replica finished"):
        uq({"replicas": replicas[3:]}, ctx)
    json.dumps(out)  # the result must travel as JSON
