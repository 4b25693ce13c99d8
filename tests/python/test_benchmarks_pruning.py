"""benchmarks/pruning.py without measuring anything: every family's workflow for every arm is one the
supervisor accepts, worker-seconds come from the store's task times in result order, only full trainings set
the best, a seed that never reaches plain random's median best counts as infinitely slow, and the arms are
chosen by name with plain random always among them."""
import argparse
import dataclasses
import os
import pathlib
import sqlite3
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import pruning  # noqa: E402

BINARY = pathlib.Path(os.environ.get("SV_BUILD_DIR") or ROOT / "build") / "bin" / "supervisor"


def test_every_arm_and_every_family_make_workflows_the_supervisor_accepts(tmp_path):
    # Every arm on the synthetic family; the uno family (its check imports torch: 10 s) with the arm whose
    # pruner depends on the family.
    for family, arm in [("synthetic", a) for a in pruning.ARMS] + [("uno", "asha")]:
        wf = tmp_path / f"{family}-{arm}.yaml"
        wf.write_text(pruning.workflow_text(pruning.FAMILIES[family], arm, trials=6, seed=3, workers=2))
        check = subprocess.run([str(BINARY), "validate", str(wf)], capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, (family, arm, check.stderr)


def store(folder, rows):
    """A run folder whose store holds tasks (status, objective, start, end) in result order."""
    folder.mkdir()
    con = sqlite3.connect(folder / "supervisor.db")
    con.execute("CREATE TABLE tasks (status TEXT, objective REAL, start_time REAL, end_time REAL, result_seq INT)")
    con.executemany("INSERT INTO tasks VALUES (?, ?, ?, ?, ?)",
                    [(s, o, a, b, seq) for seq, (s, o, a, b) in reversed(list(enumerate(rows, 1)))])
    con.commit()
    con.close()
    return folder


def test_worker_seconds_are_the_stores_task_times_and_only_full_trainings_set_the_best(tmp_path):
    points = pruning.curve(store(tmp_path / "run", [
        ("done", 0.5, 100.0, 104.0),
        ("pruned", 0.1, 101.0, 102.0),   # a value reached on the way is no result, but its time counts
        ("failed", None, 104.0, 105.5),
        ("done", 0.3, 102.0, 110.0)]))
    assert points == [(4.0, 0.5), (5.0, 0.5), (6.5, 0.5), (14.5, 0.3)]


def test_the_target_is_randoms_median_final_best_and_a_seed_that_never_reaches_it_is_infinitely_slow():
    curves = {"random": [[(10.0, 0.5), (20.0, 0.2)], [(10.0, 0.4), (30.0, 0.3)], [(25.0, 0.4)]],
              "fast": [[(2.0, 0.3)], [(3.0, 0.9), (6.0, 0.25)], [(1.0, 0.5)]]}
    results = pruning.summarize(curves)
    assert results["target"] == 0.3 and results["budget_worker_s"] == 25.0
    random, fast = results["contenders"]["random"], results["contenders"]["fast"]
    assert random["worker_s_to_target"] == [20.0, 30.0, None]
    assert random["median_worker_s_to_target"] == 30.0
    assert fast["worker_s_to_target"] == [2.0, 6.0, None] and fast["median_worker_s_to_target"] == 6.0
    assert fast["fraction_of_baseline_worker_s"] == pytest.approx(0.2)
    assert random["best_within_budget"] == [0.2, 0.4, 0.4]
    # Best against worker-seconds: at a tenth of the budget (2.5 s) only two of fast's seeds have a full training.
    assert fast["median_best_at_fraction_of_budget"]["0.1"] == 0.4
    assert random["median_best_at_fraction_of_budget"]["0.1"] is None
    two_of_three_never = pruning.summarize({"random": curves["random"],
                                            "slow": [[(1.0, 0.9)], [(1.0, 0.9)], [(1.0, 0.1)]]})
    assert two_of_three_never["contenders"]["slow"]["median_worker_s_to_target"] is None


def test_pbt_segments_fill_plain_randoms_worker_seconds_at_the_familys_epoch_cost():
    # 90 % of random's 30 x 27 epochs in segments of 10 members x 3 epochs; an epoch half as dear, twice the segments.
    synthetic = pruning.FAMILIES["synthetic"]
    assert pruning.pbt(synthetic, 30, 1)["segments"] == 24
    cheaper = dataclasses.replace(synthetic, pbt_epoch_cost=0.5)
    assert pruning.pbt(cheaper, 30, 1)["segments"] == 49
    uno = pruning.FAMILIES["uno"]
    assert pruning.pbt(uno, 24, 1)["segments"] == 20  # 0.9 x 24 x 12 / (6 x 3 x 0.72)


def test_arms_are_chosen_by_name_and_plain_random_is_always_one():
    assert pruning.parse_arms("random, asha") == ["random", "asha"]
    with pytest.raises(argparse.ArgumentTypeError, match="unknown arm 'pbtt'"):
        pruning.parse_arms("random,pbtt")
    with pytest.raises(argparse.ArgumentTypeError, match="plain random"):
        pruning.parse_arms("asha,tpe_median")
