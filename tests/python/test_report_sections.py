"""sv_report without a run: the section registry, the page on a RunData built in memory (running tasks,
a maximized objective, no metrics), escaping of run data, and the Pareto filter."""
import pathlib
import sys
import time

import pytest

REPORT_DIR = pathlib.Path(__file__).resolve().parents[2] / "supervisor" / "report"
sys.path.insert(0, str(REPORT_DIR))

from sv_report import RunData, Task, registry, section  # noqa: E402
from sv_report.registry import sections  # noqa: E402
from sv_report.page import render_page  # noqa: E402
from sv_runstore import Objective, parse_objectives  # noqa: E402
from sv_report.sections.pareto import non_dominated  # noqa: E402

BUILT_IN = ["summary", "utilization", "objective", "parameters", "pareto", "curves", "failures"]


def make_run(n=8, running=1, objectives=None, status="running"):
    now = time.time()
    t0 = now - 100
    tasks = []
    for i in range(1, n + 1):
        done = i <= n - running
        tasks.append(Task(
            id=i, node_id=str(i), model="m", params={"lr": 10.0 ** -i, "act": ["relu", "<b>tanh</b>"][i % 2]},
            status="done" if done else "running", attempts=1, worker=1 + i % 2, host="node1",
            submit_time=t0, dispatch_time=t0 + i, start_time=t0 + i, end_time=t0 + i + 5 if done else 0,
            objective=float(i) if done else None, result={"acc": float(i), "size": float(n - i)} if done else None,
            error=""))
    return RunData(
        run_dir=pathlib.Path("/tmp/nowhere"),
        run={"name": "mem <run>", "workflow": "hpo", "status": status, "created": t0, "updated": now,
             "spec_path": ""},
        sessions=[{"id": 1, "started": t0, "ended": 0, "workers": 2, "host": "node1", "job_id": "", "status": status}],
        tasks=tasks, metrics=[], events=[], spec={},
        objectives=objectives or [Objective("acc", "maximize")], now=now)


def test_built_in_sections_register_in_page_order():
    names = [s.name for s in sections()]
    assert [n for n in names if n in BUILT_IN] == BUILT_IN


def test_a_section_module_registers_once_and_a_name_clash_is_refused():
    @section("test-extra", "Extra", order=85)
    def render(run):
        return "<p>extra</p>"

    try:
        assert "test-extra" in [s.name for s in sections()]
        with pytest.raises(ValueError, match="registered twice"):
            section("test-extra", "Again")(lambda run: None)
        with pytest.raises(ValueError, match="HTML id"):
            section("bad name", "Bad")
        page, failed = render_page(make_run(), strict=True)
        assert '<section id="test-extra">' in page and failed == []
        assert page.index('id="test-extra"') < page.index('id="failures"')
    finally:
        registry._REGISTRY.pop("test-extra", None)


def test_page_of_a_running_maximized_run_escapes_run_data_and_skips_empty_sections():
    page, failed = render_page(make_run(), strict=True)
    assert failed == []
    assert "mem &lt;run&gt;" in page and "<b>tanh</b>" not in page
    assert 'id="pareto"' not in page      # one objective
    assert 'id="curves"' not in page      # no per-epoch metrics
    assert "acc (maximize)" in page
    assert page.count("data:image/png;base64,") >= 4


def test_a_failing_section_shows_its_error_unless_strict():
    @section("test-broken", "Broken", order=86)
    def render(run):
        raise RuntimeError("no <good>")

    try:
        page, failed = render_page(make_run(), strict=False)
        assert failed == ["test-broken"]
        assert "no &lt;good&gt;" in page
        with pytest.raises(RuntimeError):
            render_page(make_run(), strict=True)
    finally:
        registry._REGISTRY.pop("test-broken", None)


def test_pareto_section_appears_with_two_objectives():
    run = make_run(objectives=[Objective("acc", "maximize"), Objective("size", "minimize")], running=0,
                   status="done")
    page, failed = render_page(run, strict=True)
    assert failed == [] and 'id="pareto"' in page


def test_non_dominated_keeps_exactly_the_front():
    costs = [[1, 5], [2, 2], [5, 1], [3, 3], [2, 2], [6, 6]]
    assert non_dominated(costs).tolist() == [True, True, True, False, True, False]


def test_objectives_come_from_the_workflow_yaml():
    assert parse_objectives({}) == [Objective("val_loss", "minimize")]
    assert parse_objectives({"objective": {"metric": "acc", "goal": "maximize"}}) == [Objective("acc", "maximize")]
    spec = {"objective": {"metrics": [{"metric": "a"}, {"metric": "b", "goal": "maximize"}]}}
    assert parse_objectives(spec) == [Objective("a", "minimize"), Objective("b", "maximize")]


def test_gpu_section_draws_busy_over_time_only_when_the_run_saw_a_gpu():
    run = make_run()
    page, failed = render_page(run, strict=True)
    assert failed == [] and 'id="gpus"' not in page  # no gpu_samples: no section
    t0 = run.t0
    run.gpu_samples = [{"time": t0 + 2 * i, "host": "node1", "gpu": 0, "busy": 0.5 + 0.01 * i,
                        "memory_used": 2 << 30, "memory_total": 80 << 30} for i in range(10)]
    page, failed = render_page(run, strict=True)
    assert failed == [] and '<section id="gpus">' in page
    assert "node1 gpu 0" in page and "54.5%" in page  # mean busy of 0.50..0.59
    assert page.index('id="utilization"') < page.index('id="gpus"') < page.index('id="objective"')
