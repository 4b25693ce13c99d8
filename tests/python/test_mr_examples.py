"""The torch examples: resume after an interruption gives the uninterrupted weights,
weights hand-off changes the starting point, data is deterministic."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from mr_support import ROOT, configure
from model_runner import Context, load_default_params, merge_params, run_model, shell
from model_runner.examples import tumor_classifier, uno

pytestmark = pytest.mark.usefixtures("clean_worker")

UNO = "model_runner.examples.uno:run"
TUMOR = "model_runner.examples.tumor_classifier:run"
TINY_UNO = {"n_rows": 600, "n_cells": 20, "n_drugs": 10, "dense": [16],
            "dense_feature_layers": [8], "batch_size": 32, "epochs": 4, "dropout": 0.2,
            "patience": 0, "seed": 5}
TINY_TUMOR = {"epochs": 4, "dense": [8], "patience": 0, "seed": 1, "dropout": 0.2}


def weights(path):
    return torch.load(path, map_location="cpu")


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def merged(module, params):
    folder = os.path.dirname(module.__file__)
    return merge_params(load_default_params(os.path.join(folder, module.DEFAULT_PARAMS_FILE)),
                        params)


def test_uno_resume_through_the_shell_matches_uninterrupted(tmp_path, fake_supervisor):
    configure(tmp_path / "run", UNO, task_files=True, defaults={"epochs": 3})
    ok, objective, result_json, error = shell.run_task(0, 1, "full", 0, json.dumps(TINY_UNO))
    assert ok, error
    full = json.loads(result_json)
    assert full["epochs_run"] == 4 and len(fake_supervisor.sent) == 4

    fake_supervisor.sent.clear()
    fake_supervisor.stop_after_reports = 2        # rank 0 asks to stop after epoch 2
    ok, _, result_json, error = shell.run_task(0, 2, "cut", 0, json.dumps(TINY_UNO))
    assert not ok and error.startswith("interrupted at epoch 2")
    partial = json.loads(result_json)
    assert partial["interrupted"] and partial["artifacts"]["checkpoint"].endswith("epoch-0002.pt")

    fake_supervisor.stop_after_reports = None
    ok, objective2, result_json, error = shell.run_task(0, 3, "cut", 1, json.dumps(TINY_UNO))
    assert ok, error
    resumed = json.loads(result_json)
    assert resumed["resumed_from_epoch"] == 2 and resumed["epochs_run"] == 4
    assert [row for _, row in fake_supervisor.sent][-1]["epoch"] == 4
    assert resumed["history"] == full["history"] and objective2 == objective
    assert_same_weights(weights(full["artifacts"]["weights"]),
                        weights(resumed["artifacts"]["weights"]))


def test_uno_stopped_by_a_pruner_returns_its_last_epoch_and_trains_no_further(tmp_path, fake_supervisor):
    # A pruner's stop comes back from rank 0 a moment after the report it judged: here, once epoch 2's
    # checkpoint is on disk. The model must see it before it starts another epoch.
    configure(tmp_path / "run", UNO, task_files=True)

    def should_stop():
        return any(tmp_path.rglob("epoch-0002.pt"))

    fake_supervisor.should_stop = should_stop
    ok, _, result_json, error = shell.run_task(0, 1, "pruned", 0, json.dumps(dict(TINY_UNO, epochs=6)))
    assert not ok and error.startswith("interrupted at epoch 2"), error
    partial = json.loads(result_json)
    assert partial["interrupted"] and partial["history"]["epoch"] == [1, 2]
    assert [row["epoch"] for _, row in fake_supervisor.sent] == [1, 2]
    # The last epoch's metrics are what the supervisor records the pruned task with.
    assert partial["history"]["val_loss"][-1] == fake_supervisor.sent[-1][1]["val_loss"]
    assert partial["artifacts"]["checkpoint"].endswith("epoch-0002.pt")


def test_uno_that_finished_its_epochs_is_not_interrupted_by_a_late_stop(tmp_path, fake_supervisor):
    # A stop decided on the last epoch's report comes too late to save anything: the training is complete.
    configure(tmp_path / "run", UNO, task_files=True)
    fake_supervisor.should_stop = lambda: len(fake_supervisor.sent) >= 3
    ok, _, result_json, error = shell.run_task(0, 1, "full", 0, json.dumps(dict(TINY_UNO, epochs=3)))
    assert ok, error
    assert json.loads(result_json)["epochs_run"] == 3


class CrashingContext(Context):
    """A ctx whose worker 'dies' (raises) when epoch ``crash_at`` is reported."""

    crash_at = None

    def report(self, epoch, **metrics):
        if self.crash_at is not None and epoch >= self.crash_at:
            raise RuntimeError("node lost")
        return super().report(epoch, **metrics)


def test_tumor_resume_after_a_crash_matches_uninterrupted(tmp_path):
    params = merged(tumor_classifier, TINY_TUMOR)
    full = tumor_classifier.run(params, Context(params, task_dir=tmp_path / "full"))
    crashing = CrashingContext(params, task_dir=tmp_path / "cut")
    crashing.crash_at = 3
    with pytest.raises(RuntimeError, match="node lost"):
        tumor_classifier.run(params, crashing)
    rerun = Context(params, task_dir=tmp_path / "cut", attempt=1)
    assert rerun.resume_from.endswith("epoch-0002.pt")
    resumed = tumor_classifier.run(params, rerun)
    assert resumed["resumed_from_epoch"] == 2 and [r["epoch"] for r in rerun.history] == [3, 4]
    assert set(resumed) >= {"loss", "val_loss", "val_acc"}
    assert resumed["history"] == full["history"]
    assert_same_weights(weights(tmp_path / "full" / "weights.pt"),
                        weights(tmp_path / "cut" / "weights.pt"))


def test_uno_resume_with_a_stop_hook_and_early_stopping_state(tmp_path):
    # lr 0.01 / patience 2 stops early (epoch 7 with torch 1.13 on a CPU, 5 on a GPU);
    # cutting one epoch before the stop leaves one bad epoch in the checkpoint, which the
    # resumed run must count to stop at the same epoch.
    params = merged(uno, dict(TINY_UNO, patience=2, epochs=12, learning_rate=0.01))
    full = uno.run(params, Context(params, task_dir=tmp_path / "full"))
    assert full["stopped_early"] and 3 <= full["epochs_run"] < 12
    cut = full["epochs_run"] - 1
    ctx = Context(params, task_dir=tmp_path / "cut", stop=lambda: len(ctx.history) >= cut)
    first = uno.run(params, ctx)
    assert first["epochs_run"] == cut and not os.path.exists(tmp_path / "cut" / "weights.pt")
    resumed = uno.run(params, Context(params, task_dir=tmp_path / "cut"))
    assert resumed["stopped_early"] and resumed["epochs_run"] == full["epochs_run"]
    assert_same_weights(weights(tmp_path / "full" / "weights.pt"),
                        weights(tmp_path / "cut" / "weights.pt"))


def test_initial_weights_change_the_starting_point(tmp_path):
    state = {}
    parent = run_model(UNO, dict(TINY_UNO, epochs=6), node_id="1", worker_state=state,
                       task_dir=tmp_path / "1")
    assert parent.ok, parent.error
    child = dict(TINY_UNO, epochs=1)
    fresh = run_model(UNO, child, node_id="1.1", task_dir=tmp_path / "fresh")
    from_file = run_model(UNO, dict(child, _initial_weights=parent.result["artifacts"]["weights"]),
                          node_id="1.2", task_dir=tmp_path / "file")
    from_memory = run_model(UNO, dict(child, _parent="1"), node_id="1.3", worker_state=state,
                            task_dir=tmp_path / "memory")
    assert not fresh.result["from_initial_weights"]
    assert from_file.result["from_initial_weights"] and from_memory.result["from_initial_weights"]
    assert from_file.result["loss"] < 0.5 * fresh.result["loss"]
    assert from_memory.result["loss"] == from_file.result["loss"]
    assert "1.3" in state["weights"]  # the child's weights are kept for its own children


def test_uno_pbt_segment_trains_its_epochs_from_the_given_weights(tmp_path):
    # A PBT segment from epoch 3 to 6: three epochs, reported as 4..6, from the parent's weights. With a
    # learning rate of 0 the weights stay put, so the first epoch's val_loss is the parent's last one, and
    # patience 1 (which ends a plain training at epoch 2 here) must not cut the segment short.
    parent = run_model(UNO, dict(TINY_UNO, epochs=3), node_id="m0.s0", task_dir=tmp_path / "s0")
    assert parent.ok, parent.error
    frozen = dict(TINY_UNO, learning_rate=0.0, patience=1)
    plain = run_model(UNO, dict(frozen, epochs=3), node_id="plain", task_dir=tmp_path / "plain")
    assert plain.result["stopped_early"] and plain.result["epochs_run"] == 2
    segment = run_model(UNO, dict(frozen, _start_epoch=3, _end_epoch=6, _pbt_member=0, _pbt_segment=1,
                                  _initial_weights=parent.result["artifacts"]["weights"]),
                        node_id="m0.s1", task_dir=tmp_path / "s1")
    assert segment.ok, segment.error
    history = segment.result["history"]
    assert history["epoch"] == [4, 5, 6] and segment.result["epochs_run"] == 6
    assert segment.result["from_initial_weights"] and not segment.result["stopped_early"]
    assert history["val_loss"][0] == parent.result["history"]["val_loss"][-1]
    assert segment.result["artifacts"]["weights"].endswith("weights.pt")


def test_uno_data_is_deterministic_and_can_be_corrupted():
    clean = uno.generate(n_cells=30, n_drugs=10, n_rows=900, seed=4)
    assert clean is uno.generate(n_cells=30, n_drugs=10, n_rows=900, seed=4)   # cached
    assert len(clean) == 900 and set(np.unique(clean.cell)) <= set(range(30))
    assert not clean.corrupted.any()
    dirty = uno.generate(n_cells=30, n_drugs=10, n_rows=900, seed=4, corrupt_fraction=0.1)
    assert len(dirty.corrupt_cells) == 3
    assert np.array_equal(dirty.corrupted, np.isin(clean.cell, dirty.corrupt_cells))
    same = ~dirty.corrupted
    assert np.array_equal(dirty.response[same], clean.response[same])
    assert not np.array_equal(dirty.response[dirty.corrupted], clean.response[dirty.corrupted])
    assert sorted(dirty.response[dirty.corrupted]) == sorted(clean.response[dirty.corrupted])
    groups = uno.split_cells(30, 3, seed=1)
    assert sorted(sum(groups, [])) == list(range(30))
    part = clean.for_cells(groups[0])
    assert set(np.unique(part.cell)) <= set(groups[0])


def test_uno_trains_on_a_cell_subset(tmp_path):
    outcome = run_model(UNO, dict(TINY_UNO, epochs=1, cells=[0, 1, 2, 3, 4], save_weights=False),
                        task_dir=tmp_path)
    assert outcome.ok, outcome.error
    assert outcome.result["n_cells"] == 5 and "artifacts" in outcome.result


def test_quadratic_and_noop():
    outcome = run_model("model_runner.examples.quadratic:run", {"x": 1, "y": -2})
    assert outcome.ok and outcome.objective == 0.0
    assert run_model("model_runner.examples.quadratic:run", {"x": 0}).objective == 5.0
    assert run_model("model_runner.examples.noop:run").ok


def test_command_line_runs_a_model(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "model_runner", "run", "model_runner.examples.quadratic:run",
         "--params", '{"x": 2, "y": -2}', "--task-dir", str(tmp_path / "t")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["val_loss"] == 1.0
    assert "objective val_loss = 1" in done.stderr
    assert (tmp_path / "t" / "params.json").exists() and (tmp_path / "t" / "result.json").exists()
    failed = subprocess.run(
        [sys.executable, "-m", "model_runner", "run", "model_runner.examples.noop:run",
         "--metric", "val_loss", "--params", "[1]"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert failed.returncode == 2 and "JSON object" in failed.stderr
