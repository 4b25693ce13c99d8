"""sv_report's pruning section on runs built in memory: left out without a pruner, a large search drawn
thinned (and saying so), a median pruner (no rungs) drawn without rung lines, and the worker time saved by
the rule `supervisor status` uses. The real-run checks are in tests/integration/test_report_pruning.py."""
import pathlib
import sys
import time

REPORT_DIR = pathlib.Path(__file__).resolve().parents[2] / "supervisor" / "report"
sys.path.insert(0, str(REPORT_DIR))

from sv_report import RunData, Task  # noqa: E402
from sv_report.sections import pruning  # noqa: E402
from sv_runstore import Metric, Objective, PruneDecision  # noqa: E402


def make_run(n, pruned_every=3, pruner="median", epochs=5):
    """`n` trials; every `pruned_every`-th one pruned after 2 epochs, the others full (`epochs`, 10 s)."""
    t0 = time.time() - 1000
    tasks, metrics, decisions = [], [], []
    for i in range(1, n + 1):
        pruned = pruned_every and i % pruned_every == 0
        reached = 2 if pruned else epochs
        tasks.append(Task(id=i, node_id=str(i), model="m", params={"x": i / n},
                          status="pruned" if pruned else "done", attempts=1, worker=1, host="h",
                          submit_time=t0, dispatch_time=t0, start_time=t0,
                          end_time=t0 + (4.0 if pruned else 10.0), objective=float(i), result={"val_loss": float(i)},
                          error=""))
        for e in range(1, reached + 1):
            metrics.append(Metric(i, str(i), 1, e, t0 + e, {"val_loss": i + 1.0 / e}))
        if pruned:
            decisions.append(PruneDecision(t0, i, str(i), 2, -1, 2, True, "median", [i + 0.5], [[1.0]]))
    spec = {"optimizer": {"name": "random", "pruner": {"name": pruner, "min_epochs": 2}}} if pruner else {}
    return RunData(run_dir=pathlib.Path("/tmp/nowhere"),
                   run={"name": "r", "workflow": "hpo", "status": "done", "created": t0, "updated": t0 + 900,
                        "spec_path": ""},
                   sessions=[{"id": 1, "started": t0, "ended": t0 + 900, "workers": 2, "host": "h", "job_id": "",
                              "status": "done"}],
                   tasks=tasks, metrics=metrics, events=[], spec=spec, objectives=[Objective("val_loss")],
                   prune_decisions=decisions if pruner else [])


def test_a_run_without_a_pruner_or_pruned_trials_has_no_pruning_section():
    assert pruning.render(make_run(6, pruned_every=0, pruner=None)) is None


def test_worker_time_saved_is_each_pruned_run_short_of_the_mean_full_training():
    run = make_run(9)  # 6 full trainings of 10 s, 3 pruned after 4 s
    assert run.pruning_summary() == (3, 18.0)
    page = pruning.render(run)
    assert "(18 worker-s; each pruned trial" in page


def test_a_large_search_is_drawn_thinned_and_says_so():
    run = make_run(300)
    fig, drawn = pruning.pruning_figure(run)
    assert drawn["drawn"] == pruning.MAX_TRIALS and drawn["trials with curves"] == 300
    crosses = [a for a in fig.axes[0].get_lines() if a.get_gid() == "pruned-ends"]
    assert len(crosses[0].get_xdata()) == drawn["pruned drawn"] < 100
    page = pruning.render(run)
    assert f"{pruning.MAX_TRIALS} of 300 trials are drawn" in page and "300: 200 trained in full, 100 pruned" in page


def test_a_diverged_trial_judged_at_a_rung_is_counted_but_has_no_value_to_show():
    run = make_run(6, pruner="asha")
    for d in run.prune_decisions:
        d.rung = 0
    run.prune_decisions[0].trial_values = [None]  # a NaN report reaches the store as null
    assert pruning.rung_table(run, [2]) == [[2, 2, 2, 6.5, None]]
    assert "best value stopped at the rung" in str(pruning.pruning_figure(run)[0].axes[0].get_legend_handles_labels())


def test_a_median_pruner_has_no_rungs_to_draw():
    run = make_run(9)
    fig, drawn = pruning.pruning_figure(run)
    assert drawn["rungs"] == [] and not [a for a in fig.axes[0].get_lines() if a.get_gid() == "rungs"]
    page = pruning.render(run)
    assert "This pruner has no rungs" in page
