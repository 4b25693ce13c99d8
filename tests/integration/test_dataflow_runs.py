"""Sublearning, uq and dag workflows end to end: real `supervisor run` jobs, checked against the rows they
leave in SQLite (ids, key splits, weight inheritance) and the sublearning analysis checked against a
recomputation from that file."""
import csv
import json
import math
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ANALYSIS_PATH = ROOT / "supervisor" / "report"

# N=2, S=3: 2 + 4 + 8 = 14 trainings, EXP2 epochs 8, 4, 2 (max_epochs 8), keys 0..39 split by cell.
SUBLEARNING = """
name: sub-it
workflow: sublearning
model:
  kind: python
  entry: model_runner.examples.uno:run
  defaults: {n_cells: 40, n_rows: 1200, dense: [16], dense_feature_layers: [8], dropout: 0.0,
             learning_rate: 0.003, batch_size: 64, checkpoint_every: 0}
sublearning: {N: 2, S: 3, strategy: EXP2, max_epochs: 8, patience: 2, keys: 40,
              first_fraction: 0.8, add_fraction: 0.3, val_fraction: 0.25, seed: 3}
objective: {metric: val_loss, goal: minimize}
resources: {workers: 2, preload: [torch]}
"""


def half_up(x):
    return math.floor(x + 0.5)


def expected_share(stage, held, first=0.8, add=0.3, val=0.25):
    """The (train, val) counts the spec gives a node at `stage` whose parent holds `held` keys out."""
    added = min(half_up((first if stage == 1 else add) * held), held)
    v = min(max(half_up(val * added), 1), added - 1)
    return added - v, v


def analysis(run_dir, out_dir, *extra):
    env = dict(os.environ, PYTHONPATH=f"{ANALYSIS_PATH}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = subprocess.run(["/usr/bin/python3", "-m", "sv_analysis", *extra, str(run_dir), "--out", str(out_dir)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def num(text):
    return None if text == "" else float(text)


@pytest.fixture(scope="module")
def sub_run(tmp_path_factory):
    """One sublearning run shared by the checks below (each is a separate test)."""
    from conftest import BINARY, Run

    folder = tmp_path_factory.mktemp("sub")
    wf = folder / "sub.yaml"
    wf.write_text(SUBLEARNING)
    out = folder / "run"
    proc = subprocess.run([str(BINARY), "run", str(wf), "--out", str(out)], cwd=folder, capture_output=True,
                          text=True, timeout=300)
    run = Run(proc, out)
    assert run.returncode == 0, run.stderr[-3000:]
    tasks = {t["node_id"]: t for t in run.tasks()}
    for t in tasks.values():
        t["params"] = json.loads(t["params"])
        t["result"] = json.loads(t["result"]) if t["result"] else {}
    return run, tasks


def test_sublearning_runs_every_node_with_path_ids(sub_run):
    run, tasks = sub_run
    assert set(tasks) == {"1", "2", "1.1", "1.2", "2.1", "2.2", "1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.1.2",
                          "2.2.1", "2.2.2"}
    assert all(t["status"] == "done" for t in tasks.values())
    for node, t in tasks.items():
        stage = node.count(".") + 1
        assert t["params"]["_stage"] == stage
        assert t["params"]["_strategy"] == "EXP2"
        assert t["params"]["epochs"] == {1: 8, 2: 4, 3: 2}[stage]
        assert t["params"]["patience"] == 2
        assert t["params"]["_children"] == (2 if stage < 3 else 0)
        assert t["result"]["epochs_run"] <= t["params"]["epochs"]
    with run.db() as con:
        for node, t in tasks.items():
            epochs = [r[0] for r in con.execute("SELECT epoch FROM metrics WHERE node_id = ? ORDER BY epoch", (node,))]
            assert epochs == list(range(1, t["result"]["epochs_run"] + 1))


def test_sublearning_splits_never_validate_on_trained_keys(sub_run):
    _, tasks = sub_run
    for node, t in tasks.items():
        train, val = set(t["params"]["cells"]), set(t["params"]["val_cells"])
        assert train and val and not train & val, node
        assert train | val <= set(range(40))
        # Ancestors: their training keys are inherited, and none of them is a validation key here.
        ancestor = node
        while "." in ancestor:
            ancestor = ancestor.rsplit(".", 1)[0]
            ancestor_train = set(tasks[ancestor]["params"]["cells"])
            assert ancestor_train <= train, (node, ancestor)
            assert not ancestor_train & val, (node, ancestor)
        # Sizes: what the spec's fractions give at this stage.
        parent = node.rsplit(".", 1)[0] if "." in node else None
        parent_train = set(tasks[parent]["params"]["cells"]) if parent else set()
        added, n_val = expected_share(node.count(".") + 1, 40 - len(parent_train))
        assert (len(train - parent_train), len(val)) == (added, n_val), node
        # The uno model trained and validated on exactly these cells.
        assert t["result"]["n_cells"] == len(train | val)


def test_sublearning_children_start_from_their_parents_weights(sub_run):
    _, tasks = sub_run
    sources = {}
    for node, t in tasks.items():
        source = t["result"]["weights_source"]
        sources[source] = sources.get(source, 0) + 1
        if "." not in node:
            assert source == "none" and "_parent" not in t["params"] and not t["result"]["from_initial_weights"]
            continue
        parent = tasks[node.rsplit(".", 1)[0]]
        assert t["params"]["_parent"] == parent["node_id"]
        assert t["params"]["_initial_weights"] == parent["result"]["artifacts"]["weights"]
        assert pathlib.Path(t["params"]["_initial_weights"]).is_file()
        assert t["result"]["from_initial_weights"]
        # In memory exactly when the child ran on the worker that trained its parent (which keeps its
        # weights until both children took them), else from the parent's weights file.
        assert source == ("memory" if t["worker"] == parent["worker"] else "file"), node
    assert sources.get("none") == 2 and sources.get("memory", 0) + sources.get("file", 0) == 12


def test_sublearning_analysis_matches_a_recomputation_from_the_store(sub_run, tmp_path):
    run, tasks = sub_run
    out = tmp_path / "analysis"
    text = analysis(run.out_dir, out, "sublearning")
    assert "Table 2" in text
    stages = {int(r["stage"]): r for r in read_csv(out / "sublearning_stages.csv")}
    assert sorted(stages) == [1, 2, 3]

    def parent(node):
        return tasks[node.rsplit(".", 1)[0]] if "." in node else None

    for stage in (1, 2, 3):
        mine = [t for n, t in tasks.items() if n.count(".") + 1 == stage]
        row = stages[stage]
        losses = np.array([t["objective"] for t in mine])
        assert int(row["nodes"]) == len(mine)
        assert num(row["early_stop_fraction"]) == pytest.approx(np.mean([t["result"]["stopped_early"] for t in mine]))
        assert num(row["mean_epochs"]) == pytest.approx(np.mean([t["result"]["epochs_run"] for t in mine]))
        for q in (10, 25, 50, 75, 99):
            assert num(row[f"val_loss_p{q}"]) == pytest.approx(np.percentile(losses, q))
        if stage == 1:
            assert row["increased_fraction"] == "" and row["increase_delta"] == ""
            continue
        increase = np.array([t["objective"] - parent(t["node_id"])["objective"] for t in mine])
        level = increase / np.array([parent(t["node_id"])["objective"] for t in mine])
        assert num(row["increased_fraction"]) == pytest.approx(np.mean(increase > 0))
        if (increase > 0).any():
            assert num(row["increase_delta"]) == pytest.approx(increase[increase > 0].mean() / losses.mean())
        assert int(row["outliers_gt1"]) == int((level > 1).sum())
        assert int(row["outliers_gt2"]) == int((level > 2).sum())

    # The outlier list: every compared node once, highest outlier level first.
    outliers = read_csv(out / "sublearning_outliers.csv")
    assert len(outliers) == 12
    levels = [num(r["outlier_level"]) for r in outliers]
    assert levels == sorted(levels, reverse=True)
    for r in outliers:
        t, p = tasks[r["node_id"]], parent(r["node_id"])
        assert num(r["outlier_level"]) == pytest.approx(max(0.0, (t["objective"] - p["objective"]) / p["objective"]))

    # Table 2: the best stage-3 node, and the sums along its trajectory.
    (traj,) = read_csv(out / "sublearning_trajectories.csv")
    leaves = [t for n, t in tasks.items() if n.count(".") == 2]
    best = min(leaves, key=lambda t: t["objective"])
    assert traj["best_node"] == best["node_id"]
    path = [best["node_id"], best["node_id"].rsplit(".", 1)[0], best["node_id"].split(".")[0]]
    assert traj["trajectory"] == " > ".join(reversed(path))
    seconds = sum(tasks[n]["end_time"] - tasks[n]["start_time"] for n in path)
    assert num(traj["training_hours"]) == pytest.approx(seconds / 3600)
    assert int(traj["cumulative_steps"]) == sum(tasks[n]["result"]["steps"] for n in path)
    assert num(traj["val_loss"]) == pytest.approx(best["objective"])


def test_the_report_of_a_sublearning_run_fits_the_page_and_hides_internal_keys(sub_run, tmp_path):
    from conftest import BINARY
    from headless_chromium import inspect_page

    run, _ = sub_run
    page = tmp_path / "report.html"
    proc = subprocess.run([str(BINARY), "report", str(run.out_dir), "--out", str(page)], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, SV_REPORT_STRICT="1"))
    assert proc.returncode == 0, proc.stderr
    text = page.read_text()
    for section_id in ("summary", "objective"):  # Best 10 and the best parameters
        start = text.index(f'<section id="{section_id}">')
        body = text[start:text.index("</section>", start)]
        assert "_initial_weights" not in body and "_parent" not in body and "_children" not in body, section_id
        assert "cells=[" in body and " items: " in body, section_id
    assert "Not drawn, each value being a long list: cells, val_cells." in text

    seen = inspect_page(page, tmp_path / "report.png", width=1300)
    assert seen["errors"] == []
    assert seen["scrollWidth"] <= seen["innerWidth"], seen["overflowing"]
    assert seen["overflowing"] == []


def test_uq_aggregates_replicas_and_per_sample_predictions(supervisor, write_yaml, tmp_path):
    wf = write_yaml("""
name: uq-it
workflow: uq
model:
  kind: python
  entry: model_runner.examples.uno:run
  defaults: {epochs: 2, patience: 0, n_rows: 800, dense: [16], dense_feature_layers: [8], checkpoint_every: 0,
             save_predictions: true}
uq:
  replicas: 2
  perturbations:
    seed: {}
    noise: {label_noise: 0.1}
    mc: {mc_dropout: 4, dropout: 0.3}
  percentiles: [10, 90]
resources: {workers: 2, preload: [torch]}
""")
    run = supervisor("run", wf, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert set(tasks) == {"seed.1", "seed.2", "noise.1", "noise.2", "mc.1", "mc.2", "aggregate"}
    assert all(t["status"] == "done" for t in tasks.values())
    assert json.loads(tasks["noise.2"]["params"]) == {"label_noise": 0.1, "seed": 2, "_perturbation": "noise",
                                                      "_replica": 2}
    agg = json.loads(tasks["aggregate"]["result"])
    objectives = [tasks[n]["objective"] for n in tasks if n != "aggregate"]
    assert tasks["aggregate"]["objective"] == pytest.approx(np.mean(objectives))
    assert agg["objective"]["all"]["std"] == pytest.approx(np.std(objectives, ddof=1))
    assert agg["objective"]["all"]["p90"] == pytest.approx(np.percentile(objectives, 90))
    noise = [tasks[n]["objective"] for n in ("noise.1", "noise.2")]
    assert agg["objective"]["by_perturbation"]["noise"]["mean"] == pytest.approx(np.mean(noise))
    # Per-sample statistics over the replicas' own prediction files.
    preds = {n: np.load(json.loads(tasks[n]["result"])["predictions"]) for n in ("mc.1", "mc.2")}
    stack = np.stack([preds[n]["pred"] for n in ("mc.1", "mc.2")])
    with open(agg["predictions"]["file"], newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["perturbation"] == "mc"]
    assert len(rows) == stack.shape[1] == agg["predictions"]["samples"]
    for r in rows[:20]:
        s = int(r["sample"])
        assert float(r["mean"]) == pytest.approx(stack[:, s].mean(), rel=1e-4, abs=1e-6)
        assert float(r["std"]) == pytest.approx(stack[:, s].std(ddof=1), rel=1e-4, abs=1e-6)
    assert "val_loss_mc" in json.loads(tasks["mc.1"]["result"])  # dropout was on at inference
    assert "val_loss_mc" not in json.loads(tasks["seed.1"]["result"])
    out = tmp_path / "uq-analysis"
    analysis(run.out_dir, out, "uq")
    stats = {(r["metric"], r["perturbation"]): r for r in read_csv(out / "uq_stats.csv")}
    assert num(stats[("val_loss", "all")]["mean"]) == pytest.approx(np.mean(objectives))


def test_dag_passes_parents_outputs_and_weights(supervisor, write_yaml):
    wf = write_yaml("""
workflow: dag
model:
  kind: python
  entry: model_runner.examples.uno:run
  defaults: {epochs: 2, patience: 0, n_rows: 600, dense: [16], dense_feature_layers: [8], checkpoint_every: 0}
models:
  best: {kind: python, entry: model_runner.examples.pick_best:run}
nodes:
  base: {}
  tune-a: {after: [base], weights_from: base, params: {learning_rate: 0.01}}
  tune-b: {after: [base], params: {learning_rate: 0.001}}
  pick: {model: best, after: [tune-a, tune-b]}
resources: {workers: 2, preload: [torch]}
""")
    run = supervisor("run", wf, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert all(t["status"] == "done" for t in tasks.values())
    assert tasks["pick"]["model"] == "model_runner.examples.pick_best:run"
    base = json.loads(tasks["base"]["result"])
    tune_a = json.loads(tasks["tune-a"]["params"])
    assert tune_a["_parent"] == "base" and tune_a["_initial_weights"] == base["artifacts"]["weights"]
    assert json.loads(tasks["tune-a"]["result"])["weights_source"] in ("memory", "file")
    assert "_parent" not in json.loads(tasks["tune-b"]["params"])
    pick = json.loads(tasks["pick"]["params"])["_inputs"]
    assert set(pick) == {"tune-a", "tune-b"}
    assert pick["tune-b"]["result"]["val_loss"] == pytest.approx(tasks["tune-b"]["objective"])
    assert "history" not in pick["tune-b"]["result"]
    best = min(("tune-a", "tune-b"), key=lambda n: tasks[n]["objective"])
    assert json.loads(tasks["pick"]["result"])["best"] == best
    assert tasks["pick"]["objective"] == pytest.approx(tasks[best]["objective"])


def test_dag_cycle_is_a_located_spec_error(supervisor, write_yaml):
    wf = write_yaml("""workflow: dag
model: {kind: noop}
nodes:
  a: {after: [b]}
  b: {after: [a]}
""")
    for command in ("validate", "run"):
        r = supervisor(command, wf)
        assert r.returncode == 2
        assert r.stderr.strip() == f"supervisor: error: {wf}:4: nodes.a.after: cycle: a -> b -> a (a node cannot " \
                                   "run after itself)"
