"""sv_analysis.sublearning on a hand-made tree: per-stage statistics, outlier levels, Table 2 and the key
ranking, each checked against numbers worked out by hand (or numpy)."""
import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "supervisor" / "report"))

from sv_analysis import sublearning as sl  # noqa: E402
from sv_analysis.stats import percentile  # noqa: E402


def task(node, loss, cells, val, epochs=4, run=4, stopped=False, steps=10, start=0.0, end=1.0, worker=1,
         source="none"):
    stage = node.count(".") + 1
    return {"node_id": node, "status": "done", "worker": worker, "start_time": 100 + start, "end_time": 100 + end,
            "objective": loss, "params": {"_stage": stage, "_strategy": "EXP2", "cells": cells, "val_cells": val,
                                          "epochs": epochs},
            "result": {"epochs_run": run, "stopped_early": stopped, "steps": steps, "weights_source": source}}


#  1 (0.10) ── 1.1 (0.30: +200%, adds key 9 to validation) ── 1.1.1 (0.15)
#          └── 1.2 (0.08)
TASKS = [task("1", 0.10, [1, 2, 3], [4], run=3, stopped=True, end=3.0),
         task("1.1", 0.30, [1, 2, 3, 5], [9], run=4, steps=20, end=5.0, source="memory"),
         task("1.2", 0.08, [1, 2, 3, 6], [4], run=2, stopped=True, source="file", worker=2),
         task("1.1.1", 0.15, [1, 2, 3, 5, 7], [8], run=1, steps=5, end=2.0, source="memory")]


def test_percentile_matches_numpy():
    xs = [0.3, 0.1, 0.7, 0.2, 0.9, 0.4]
    for q in (0, 10, 25, 50, 75, 99, 100):
        assert percentile(xs, q) == pytest.approx(np.percentile(xs, q))


def test_nodes_levels_and_stage_table():
    nodes = {n.node_id: n for n in sl.nodes_from_tasks(TASKS)}
    assert nodes["1.1"].added_train == [5] and nodes["1.1"].val == [9]
    assert nodes["1.1"].outlier_level == pytest.approx(2.0)
    assert nodes["1.2"].outlier_level == 0.0 and nodes["1.2"].relative_change == pytest.approx(-0.2)
    assert nodes["1.1.1"].outlier_level == 0.0
    stages = {r["stage"]: r for r in sl.stage_table(list(nodes.values()))}
    assert stages[1]["early_stop_fraction"] == 1.0 and stages[1]["increased_fraction"] is None
    assert stages[2]["early_stop_fraction"] == 0.5 and stages[2]["mean_epochs"] == 3.0
    assert stages[2]["increased_fraction"] == 0.5
    assert stages[2]["increase_delta"] == pytest.approx(0.2 / 0.19)  # mean increase / the stage's mean val_loss
    assert stages[2]["outliers_gt1"] == 1 and stages[2]["outliers_gt2"] == 0  # exactly 2 is not above 2
    assert stages[2]["val_loss_p50"] == pytest.approx(0.19)
    assert stages[3]["increased_fraction"] == 0.0 and stages[3]["increase_delta"] is None


def test_table2_outlier_list_and_key_ranking():
    nodes = sl.nodes_from_tasks(TASKS)
    (traj,) = sl.trajectory_table(nodes)
    assert traj["best_node"] == "1.1.1" and traj["trajectory"] == "1 > 1.1 > 1.1.1"
    assert traj["training_seconds"] == pytest.approx(3 + 5 + 2)
    assert traj["cumulative_steps"] == 10 + 20 + 5
    outliers = sl.outlier_list(nodes)
    assert [n.node_id for _, _, n in outliers] == ["1.1", "1.2", "1.1.1"]  # then by relative change
    ranking = sl.key_ranking(nodes, planted=[9])
    # 1.1 added 5 (training) and 9 (validation): both score its level; ties go by key text.
    assert [(r["key"], r["planted"], round(r["mean_outlier_level"], 9)) for r in ranking[:2]] == [(5, False, 2), (9, True, 2)]
    assert ranking[1]["top_percent"] == pytest.approx(200 / len(ranking))
    assert ranking[-1]["mean_outlier_level"] is None  # key 1: in every training set, never added after stage 1
    summary = sl.planted_summary(nodes, ranking, outliers, [9])
    assert summary["keys"][0]["rank"] == 2 and summary["nodes_adding"] == 1


def test_write_csv(tmp_path):
    class Run:
        run_dir = tmp_path
        spec = {"model": {"defaults": {"corrupt_cells": [9]}}}
        tasks = TASKS
    result = sl.analyze([Run()])
    assert result["planted"]["keys"][0]["key"] == 9
    out = sl.write_csv(result, tmp_path / "a")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["sublearning_keys.csv", "sublearning_nodes.csv", "sublearning_outliers.csv",
                     "sublearning_stages.csv", "sublearning_summary.json", "sublearning_trajectories.csv"]
    assert "EXP2" in sl.format_summary(result)
