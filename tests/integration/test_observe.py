"""Watching and reading a campaign: `status` (during and after a run), `report` (an HTML page checked in
headless Chromium) and `export` (CSV / JSON), all against stores left by real `supervisor run` jobs."""
import csv
import json
import os
import pathlib
import shutil
import sqlite3
import select
import subprocess
import tempfile

import pytest

from conftest import BINARY, MODELS, wait_for_store
from headless_chromium import inspect_page

WEIRD_LABEL = 'comma, "quote"\nand a second line'


def sv(*args, timeout=120, env=None, cwd=None):
    return subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=cwd)


def rows(run_dir, sql):
    con = sqlite3.connect(f"file:{run_dir / 'supervisor.db'}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One finished two-objective sweep with per-epoch metrics, a categorical parameter and one failure."""
    assert BINARY.exists(), f"{BINARY} missing: build first (bash scripts/build.sh)"
    tmp = tmp_path_factory.mktemp("observe")
    tuples = [{"width": w, "act": a} for w in (1, 2, 4, 8, 16) for a in ("relu", "tanh")]
    tuples.append({"width": 3, "act": "relu", "fail": True})
    tuples.append({"width": 5, "act": "relu", "label": WEIRD_LABEL})
    (tmp / "wf.yaml").write_text(f"""
name: observe-e2e
workflow: sweep
model:
  kind: python
  entry: report_models:trade_off
  python_path: ["{MODELS}"]
  defaults: {{epochs: 4, epoch_sleep: 0.02}}
sweep:
  list: {json.dumps(tuples)}
objective:
  metrics:
    - {{metric: val_loss, goal: minimize}}
    - {{metric: cost, goal: minimize}}
resources: {{workers: 2}}
""")
    out = tmp / "run"
    proc = sv("run", tmp / "wf.yaml", "--out", out, timeout=180, cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return out


def test_report_renders_every_plot_and_opens_cleanly_in_headless_chromium(finished_run, tmp_path):
    env = dict(os.environ, SV_REPORT_STRICT="1")  # a section that raises fails the test, not just the page
    proc = sv("report", finished_run, env=env)
    assert proc.returncode == 0, proc.stderr
    page = finished_run / "report.html"
    assert str(page) in proc.stdout
    text = page.read_text()
    for section in ("summary", "utilization", "objective", "parameters", "pareto", "curves", "failures"):
        assert f'<section id="{section}">' in text, section
    assert "simulated out-of-memory" in text  # the failure's first line is in the failures table
    assert "src=\"http" not in text and "<script" not in text  # self-contained, nothing to fetch
    assert text.count('src="data:image/png;base64,') >= 7

    shot = tmp_path / "report.png"
    seen = inspect_page(page, shot)
    assert seen["title"].startswith("observe-e2e")
    assert len(seen["images"]) >= 7
    broken = [i["alt"] for i in seen["images"] if not i["complete"] or i["naturalWidth"] <= 0]
    assert broken == []
    assert seen["errors"] == []
    assert seen["scrollWidth"] <= seen["innerWidth"] and seen["overflowing"] == [], seen["overflowing"]
    assert shot.stat().st_size > 20000
    keep = os.environ.get("SV_REPORT_SCREENSHOT")  # to look at it after the test: a path to copy it to
    if keep:
        shutil.copy(shot, keep)


def test_report_refuses_a_folder_that_is_not_a_run_or_has_no_tasks(finished_run, tmp_path):
    proc = sv("report", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"supervisor: error: {tmp_path}: not a run directory "
                                                "(no supervisor.db inside)"]
    proc = sv("report", tmp_path / "missing")
    assert proc.returncode == 2 and "no such run directory" in proc.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(finished_run / "supervisor.db", empty / "supervisor.db")
    con = sqlite3.connect(empty / "supervisor.db")
    con.execute("DELETE FROM tasks")
    con.commit()
    con.close()
    proc = sv("report", empty)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no tasks yet" in lines[0], proc.stderr
    assert not (empty / "report.html").exists()


def test_report_without_matplotlib_says_what_to_install(finished_run, tmp_path):
    fake = tmp_path / "fake"
    (fake / "matplotlib").mkdir(parents=True)
    (fake / "matplotlib" / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    env = dict(os.environ, PYTHONPATH=str(fake))
    proc = sv("report", finished_run, "--out", tmp_path / "r.html", env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "python3-matplotlib" in lines[0], proc.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_and_status_read_a_huge_workflow_by_one_rule(finished_run, tmp_path):
    """A recorded workflow of megabytes whose sweep block would not even parse: `supervisor report` hands
    sv_report the head that `status` reads (cli/recorded_workflow.hpp), so both find the objective."""
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(finished_run / "supervisor.db", copy / "supervisor.db")
    spec = ("name: observe-e2e\nworkflow: sweep\nmodel: {kind: noop}\nsweep:\n  list:\n" +
            "    - {width: 1}\n" * 30000 + "    - {width: [1\n" +
            "objective: {metric: cost, goal: maximize}\n")
    con = sqlite3.connect(copy / "supervisor.db")
    con.execute("UPDATE runs SET spec_text = ?", (spec,))
    con.commit()
    con.close()
    proc = sv("status", copy, "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objective"] == {"metric": "cost", "goal": "maximize"}
    heads = pathlib.Path(tempfile.gettempdir()).glob("sv-report-workflow-*")
    before = set(heads)
    proc = sv("report", copy, "--out", tmp_path / "r.html", env=dict(os.environ, SV_REPORT_STRICT="1"))
    assert proc.returncode == 0, proc.stderr
    assert "cost (maximize)" in (tmp_path / "r.html").read_text()
    assert set(pathlib.Path(tempfile.gettempdir()).glob("sv-report-workflow-*")) == before  # removed after


def test_export_csv_has_a_row_per_task_with_flattened_params_and_a_metrics_table(finished_run, tmp_path):
    out = tmp_path / "tasks.csv"
    proc = sv("export", finished_run, "--format", "csv", "--out", out)
    assert proc.returncode == 0, proc.stderr
    with open(out, newline="") as f:
        tasks = list(csv.DictReader(f))
    stored = rows(finished_run, "SELECT node_id, status, objective, attempts, worker, params, error FROM tasks")
    assert len(tasks) == len(stored) == 12
    by_node = {t["node_id"]: t for t in tasks}
    for node, status, objective, attempts, worker, params, error in stored:
        t = by_node[node]
        assert t["status"] == status
        assert int(t["attempts"]) == attempts
        assert (float(t["objective"]) if t["objective"] else None) == objective
        for k, v in json.loads(params).items():
            assert t[f"param.{k}"] == (v if isinstance(v, str) else json.dumps(v)), k
        assert t["error"] == (error.split("\n", 1)[0] if error else "")
        if status == "done":
            assert float(t["duration_s"]) >= 0 and float(t["end_time"]) >= float(t["start_time"]) > 0
            assert t["worker"] == str(worker) and t["host"]
    assert {t["param.label"] for t in tasks} >= {WEIRD_LABEL, ""}  # quoting survives commas, quotes, newlines
    failed = [t for t in tasks if t["status"] == "failed"]
    assert len(failed) == 1 and "simulated out-of-memory" in failed[0]["error"]

    with open(tmp_path / "metrics.csv", newline="") as f:
        metrics = list(csv.DictReader(f))
    n_metrics = rows(finished_run, "SELECT count(*) FROM metrics")[0][0]
    assert len(metrics) == n_metrics == 11 * 4
    assert {"task_id", "node_id", "attempt", "epoch", "time", "loss", "val_loss"} <= set(metrics[0])


def test_export_json_holds_the_same_rows_and_the_metrics_array(finished_run, tmp_path):
    proc = sv("export", finished_run, "--format", "json", "--out", tmp_path / "e.json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "e.json").read_text())
    assert doc["run"]["name"] == "observe-e2e"
    assert len(doc["tasks"]) == 12 and len(doc["metrics"]) == 44
    t = next(t for t in doc["tasks"] if t["param.label"] == WEIRD_LABEL)
    assert t["param.width"] == 5 and t["status"] == "done" and t["result.cost"] == 0.5
    assert list(doc["tasks"][0])[:3] == ["task_id", "node_id", "status"]

    piped = sv("export", finished_run, "--format", "csv", "--out", "-")
    assert piped.returncode == 0
    assert len(list(csv.DictReader(piped.stdout.splitlines(keepends=True)))) == 12

    proc = sv("export", finished_run, "--format", "xml")
    assert proc.returncode == 2 and "xml" in proc.stderr  # bad input, as the README promises


def test_status_after_the_run_shows_results_failures_and_the_job(finished_run):
    proc = sv("status", finished_run)
    assert proc.returncode == 0, proc.stderr
    assert "done" in proc.stdout.splitlines()[0]
    assert "11 done, 0 running, 0 pending, 1 failed" in proc.stdout
    assert "simulated out-of-memory" in proc.stdout
    assert "session 1" in proc.stdout

    st = json.loads(sv("status", finished_run, "--json").stdout)
    assert st["run"]["status"] == "done"
    assert st["counts"]["done"] == 11 and st["counts"]["failed"] == 1 and st["counts"]["expected"] == 12
    assert st["running"] == [] and len(st["best"]) == 5 and st["failures_total"] == 1
    assert st["objective"] == {"metric": "val_loss", "goal": "minimize"}
    assert [s["status"] for s in st["sessions"]] == ["done"]
    # --watch on a finished run prints once and returns.
    watched = sv("status", finished_run, "--watch", "--json", timeout=20)
    assert watched.returncode == 0 and len(watched.stdout.strip().splitlines()) == 1


def test_status_reads_a_running_job_and_watch_follows_it_to_the_end(tmp_path):
    # The tasks run until the test releases them, so `status` sees the job running on a machine of any speed.
    release = tmp_path / "release"
    (tmp_path / "wf.yaml").write_text(f"""
name: slow
workflow: sweep
model: {{kind: python, entry: "itest_models:waits_for_release", python_path: ["{MODELS}"],
        defaults: {{release: "{release}"}}}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5]}}}}
resources: {{workers: 2}}
""")
    out = tmp_path / "run"
    job = subprocess.Popen([str(BINARY), "run", str(tmp_path / "wf.yaml"), "--out", str(out)], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = None
    try:
        wait_for_store(out, "SELECT count(*) FROM tasks WHERE status = 'running'", lambda r: r[0][0] > 0,
                       proc=job, what="a running task")
        proc = sv("status", out, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("run slow (sweep): running")
        st = json.loads(sv("status", out, "--json", timeout=60).stdout)
        assert st["run"]["status"] == "running"
        assert st["counts"]["expected"] == 6
        assert st["running"], st
        assert all(r["worker"] in (1, 2) and r["host"] and r["elapsed_s"] >= 0 for r in st["running"])

        # --watch prints a frame of the running job, then (once released) follows it to its end.
        watch = subprocess.Popen([str(BINARY), "status", str(out), "--watch", "--interval", "0.5", "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert select.select([watch.stdout], [], [], 60)[0], "status --watch printed nothing in 60 s"
        first = json.loads(watch.stdout.readline())
        release.touch()
        rest, err = watch.communicate(timeout=120)
        assert watch.returncode == 0, err
        frames = [first] + [json.loads(line) for line in rest.splitlines()]
        assert frames[0]["run"]["status"] == "running"
        assert frames[-1]["run"]["status"] == "done" and frames[-1]["counts"]["done"] == 6
    finally:
        release.touch()
        for p in (watch, job):
            if p is None:
                continue
            try:
                p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    assert job.returncode == 0, job.stderr.read()


@pytest.mark.parametrize("case", ["moved_tuple_file", "huge_workflow_text"])
def test_status_keeps_the_objective_when_the_sweep_cannot_be_read_again(finished_run, tmp_path, case):
    sweep = ("sweep: {file: /no/such/tuples.csv}\n" if case == "moved_tuple_file"
             else "sweep:\n  list:\n" + "    - {width: 1}\n" * 30000)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(finished_run / "supervisor.db", copy / "supervisor.db")
    spec = ("name: observe-e2e\nworkflow: sweep\nmodel: {kind: noop}\n" + sweep +
            "objective: {metric: cost, goal: maximize}\n")
    con = sqlite3.connect(copy / "supervisor.db")
    con.execute("UPDATE runs SET spec_text = ?", (spec,))
    con.commit()
    con.close()
    proc = sv("status", copy, "--json", timeout=60)  # a safety net; benchmarks/status_latency.py measures speed
    assert proc.returncode == 0, proc.stderr
    st = json.loads(proc.stdout)
    assert st["objective"] == {"metric": "cost", "goal": "maximize"}
    assert st["counts"]["expected"] is None
    assert st["best"][0]["objective"] == max(r[0] for r in rows(copy, "SELECT objective FROM tasks "
                                                                       "WHERE objective IS NOT NULL"))
