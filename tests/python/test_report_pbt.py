"""sv_report's PBT section on runs built in memory: left out without segments, a large population drawn
up to its cap (and saying so), hyperparameters that are not numbers left out of the schedules. The
real-store checks are in tests/integration/test_report_pruning.py."""
import pathlib
import sys
import time

REPORT_DIR = pathlib.Path(__file__).resolve().parents[2] / "supervisor" / "report"
sys.path.insert(0, str(REPORT_DIR))

from sv_report import RunData, Task  # noqa: E402
from sv_report.sections import pbt  # noqa: E402
from sv_runstore import Objective, PbtSegment  # noqa: E402


def make_run(members, segments, interval=2):
    """Member m continues its own weights, except at odd segments where member m takes member 0's."""
    t0 = time.time() - 100
    tasks, rows, task_of = [], [], {}
    for seg in range(segments):
        for mb in range(members):
            tid = len(tasks) + 1
            task_of[(mb, seg)] = tid
            tasks.append(Task(id=tid, node_id=str(tid), model="m", params={}, status="done", attempts=1, worker=1,
                              host="h", submit_time=t0, dispatch_time=t0, start_time=t0, end_time=t0 + 1,
                              objective=1.0, result={"val_loss": 1.0}, error=""))
            exploit = seg % 2 == 1 and mb > 0
            parent = None if seg == 0 else (0 if exploit else mb)
            rows.append(PbtSegment(tid, mb, seg, seg * interval, (seg + 1) * interval,
                                   None if parent is None else task_of[(parent, seg - 1)], parent, exploit,
                                   {"lr": 0.1 * (mb + 1) * (1.2 if exploit else 1.0), "opt": "sgd", "_parent": "x"},
                                   float(mb + seg)))
    return RunData(run_dir=pathlib.Path("/tmp/nowhere"),
                   run={"name": "p", "workflow": "hpo", "status": "done", "created": t0, "updated": t0 + 90,
                        "spec_path": ""},
                   sessions=[{"id": 1, "started": t0, "ended": t0 + 90, "workers": 2, "host": "h", "job_id": "",
                              "status": "done"}],
                   tasks=tasks, metrics=[], events=[], spec={}, objectives=[Objective("val_loss")],
                   pbt_segments=rows)


def test_a_run_without_pbt_segments_has_no_pbt_section():
    run = make_run(2, 2)
    run.pbt_segments = []
    assert pbt.render(run) is None


def test_only_numeric_user_hyperparameters_get_a_schedule_panel():
    run = make_run(3, 4)
    assert pbt.numeric_params(run.pbt_segments) == ["lr"]
    page = pbt.render(run)
    assert "hyperparameter schedules: lr" in page


def test_a_large_population_is_drawn_up_to_its_cap_and_says_so():
    run = make_run(40, 3)
    fig, n_continue, n_exploit = pbt.lineage_figure(run.pbt_segments)
    shown = pbt.MAX_MEMBERS
    assert len(fig.axes[0].get_yticks()) == shown
    # Edges among the drawn members only: segments 1 and 2 of each; segment 1 of members 1.. exploits member 0.
    assert (n_continue, n_exploit) == (shown + 1, shown - 1)
    page = pbt.render(run)
    assert f"the first {shown} of 40 members are drawn" in page
    assert f"the first {pbt.MAX_EXPLOIT_ROWS} of 39 exploits are listed" in page


def test_lineage_colours_scores_spanning_decades_on_a_log_scale():
    # On a real uno run the first segments score 0.3 and the rest 0.01-0.03: on a linear scale every segment
    # after the first has the same colour.
    import matplotlib.colors as mcolors
    assert isinstance(pbt.score_norm([0.3, 0.02, 0.012]), mcolors.LogNorm)
    assert not isinstance(pbt.score_norm([0.3, 0.2, 0.12]), mcolors.LogNorm)
    assert not isinstance(pbt.score_norm([-1.0, 0.5, 20.0]), mcolors.LogNorm)  # not all positive: linear
    run = make_run(3, 3)
    for s, score in zip(run.pbt_segments, [0.3, 0.3, 0.3, 0.02, 0.02, 0.02, 0.012, 0.012, 0.012]):
        s.score = score
    fig, _, _ = pbt.lineage_figure(run.pbt_segments)
    colours = {tuple(round(c, 3) for c in bar.get_facecolor()) for bar in fig.axes[0].patches}
    assert len(colours) == 3
    late = [bar.get_facecolor() for bar in fig.axes[0].patches][3:]
    assert max(abs(a - b) for a, b in zip(late[0], late[-1])) > 0.15  # 0.02 and 0.012 told apart
