"""ctx outside the supervisor: in-memory reports, lazy folders, checkpoints, weights."""
import os

import pytest

from model_runner import Context, run_model
from model_runner import checkpoints

pytestmark = pytest.mark.usefixtures("clean_worker")


def test_report_falls_back_to_memory():
    ctx = Context({"seed": 3}, node_id="1")
    assert ctx.should_stop() is False
    ctx.report(1, loss=0.5, val_loss=0.4)
    ctx.report(2, loss=0.25)
    assert ctx.history == [{"epoch": 1, "loss": 0.5, "val_loss": 0.4},
                           {"epoch": 2, "loss": 0.25}]
    assert ctx.reports is ctx.history


def test_report_converts_tensors_and_keeps_nan():
    import torch
    ctx = Context()
    loss = (torch.ones(2, requires_grad=True) * 2).sum()
    ctx.report(torch.tensor(1), loss=loss, val_loss=float("nan"))
    row = ctx.history[0]
    assert row["epoch"] == 1 and row["loss"] == 4.0 and type(row["loss"]) is float
    assert row["val_loss"] != row["val_loss"]  # NaN


def test_folders_are_lazy(tmp_path):
    task_dir = tmp_path / "tasks" / "7"
    ctx = Context(task_dir=task_dir)
    assert ctx.resume_from is None and ctx.load_checkpoint() is None
    assert not task_dir.exists()
    assert ctx.checkpoint_dir == str(task_dir / "checkpoints")
    assert (task_dir / "checkpoints").is_dir()


def test_checkpoints_save_load_and_prune(tmp_path):
    import torch  # noqa: F401  (checkpoints are torch files)
    ctx = Context(task_dir=tmp_path)
    for epoch in (1, 2, 3):
        path = ctx.save_checkpoint(epoch, {"w": [epoch]})
    assert os.path.basename(path) == "epoch-0003.pt"
    assert sorted(os.listdir(ctx.checkpoint_dir)) == ["epoch-0002.pt", "epoch-0003.pt"]
    again = Context(task_dir=tmp_path)
    assert again.resume_from == path
    assert again.load_checkpoint() == (3, {"w": [3]})
    (tmp_path / "checkpoints" / "epoch-0004.pt").write_bytes(b"truncated")
    with pytest.warns(UserWarning, match="unreadable checkpoint"):
        assert again.load_checkpoint() == (3, {"w": [3]})
    assert checkpoints.list_checkpoints(tmp_path / "nope") == []


def test_save_weights_object_and_path(tmp_path):
    import torch
    state = {}
    ctx = Context(task_dir=tmp_path / "a", node_id="1", worker_state=state)
    weights = {"w": torch.ones(3)}
    path = ctx.save_weights(weights)
    assert path == str(tmp_path / "a" / "weights.pt") and ctx.weights_path == path
    assert torch.equal(torch.load(path)["w"], torch.ones(3))
    weights["w"].add_(1)  # later training must not change what was handed off
    assert torch.equal(state["weights"]["1"]["w"], torch.ones(3))
    other = Context(task_dir=tmp_path / "b", node_id="2", worker_state=state)
    assert other.save_weights("/data/w.h5") == "/data/w.h5"
    assert state["weights"]["2"] == "/data/w.h5"


def test_initial_weights_sources(tmp_path):
    import torch
    state = {}
    parent = Context(task_dir=tmp_path / "p", node_id="1", worker_state=state)
    path = parent.save_weights({"w": torch.zeros(2)})
    assert Context({}, worker_state=state).initial_weights is None
    by_parent = Context({"_parent": "1"}, worker_state=state).initial_weights
    assert isinstance(by_parent, dict) and torch.equal(by_parent["w"], torch.zeros(2))
    by_path = Context({"_initial_weights": path}, worker_state=state).initial_weights
    assert isinstance(by_path, dict)                          # in memory, not re-read
    elsewhere = Context({"_initial_weights": path}, worker_state={}).initial_weights
    assert elsewhere == path                                  # another worker: the file


def test_worker_keeps_a_bounded_number_of_weights(tmp_path):
    state = {"weights_keep": 2}
    for node in ("1", "2", "3"):
        Context(node_id=node, worker_state=state).save_weights(str(tmp_path / node))
    assert list(state["weights"]) == ["2", "3"]
    assert sorted(state["weight_paths"].values()) == ["2", "3"]


def test_seed_helper():
    import numpy as np
    ctx = Context({"seed": 11})
    assert ctx.seed() == 11
    first = np.random.rand()
    ctx.seed()
    assert np.random.rand() == first
    assert Context({}, node_id="1.2").seed() == Context({}, node_id="1.2").seed()


def test_ctx_attributes_in_a_task(tmp_path):
    seen = {}

    def model(params, ctx):
        seen.update(node=ctx.node_id, task=ctx.task_id, attempt=ctx.attempt,
                    params=ctx.params, name=ctx.model_name)
        return {"val_loss": 1}

    outcome = run_model(model, {"a": 1}, node_id="4.1", task_id=9, attempt=2, name="uno")
    assert outcome.ok
    assert seen == {"node": "4.1", "task": 9, "attempt": 2, "params": {"a": 1}, "name": "uno"}
