"""`supervisor report` of searches that stop trainings early: a real ASHA run's page draws every trial's
pruner metric against epoch with each pruned trial marked and the rungs drawn, and counts the pruned trials
and the worker time saved as `status` does; a store holding the PBT table (rows inserted by this test after
a real run, a fixture of the pbt_segments contract) gets its lineage and hyperparameter-schedule figures."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import BINARY, MODELS, ROOT
from headless_chromium import inspect_page

sys.path.insert(0, str(ROOT / "supervisor" / "report"))
from sv_runstore import load_run  # noqa: E402

ASHA = f"""
name: report-asha
workflow: hpo
model: {{kind: python, entry: "prune_models:curve", python_path: ["{MODELS}"], defaults: {{epochs: 9, epoch_s: 0.2}}}}
space: {{x: {{type: float, low: 0, high: 1}}}}
optimizer:
  name: random
  max_evals: 9
  seed: 3
  pruner: {{name: asha, min_epochs: 1, reduction_factor: 3, max_epochs: 9}}
resources: {{workers: 2}}
"""

STRICT = dict(os.environ, SV_REPORT_STRICT="1")  # a section that raises fails the command


def sv(*args, timeout=120):
    return subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=STRICT)


def store_rows(run_dir, sql):
    con = sqlite3.connect(f"file:{run_dir / 'supervisor.db'}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def section_html(page, name):
    start = page.index(f'<section id="{name}">')
    return page[start:page.index("</section>", start)]


@pytest.fixture(scope="module")
def asha_run(tmp_path_factory):
    assert BINARY.exists(), f"{BINARY} missing: build first (bash scripts/build.sh)"
    tmp = tmp_path_factory.mktemp("report_asha")
    (tmp / "wf.yaml").write_text(ASHA)
    out = tmp / "run"
    proc = subprocess.run([str(BINARY), "run", str(tmp / "wf.yaml"), "--out", str(out)], cwd=tmp,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert store_rows(out, "SELECT count(*) FROM tasks WHERE status = 'pruned'")[0][0] > 0
    return out


# Three members, three segments of 3 epochs: member 2 exploits member 0 at epoch 3, member 1 exploits
# member 2 at epoch 6 (each taking the other's hyperparameters, perturbed); the rest continue their own.
# (member, segment, parent member, exploited, lr, momentum)
PBT_PLAN = [(0, 0, None, 0, 0.1, 0.9), (1, 0, None, 0, 0.01, 0.8), (2, 0, None, 0, 0.001, 0.7),
            (0, 1, 0, 0, 0.1, 0.9), (1, 1, 1, 0, 0.01, 0.8), (2, 1, 0, 1, 0.12, 0.72),
            (0, 2, 0, 0, 0.1, 0.9), (1, 2, 2, 1, 0.096, 0.75), (2, 2, 2, 0, 0.12, 0.72)]
INTERVAL = 3


@pytest.fixture(scope="module")
def pbt_run(asha_run, tmp_path_factory):
    """A copy of the real run's store with a pbt_segments table as the PBT contract defines it, one
    segment per task (the last one unfinished: score NULL)."""
    out = tmp_path_factory.mktemp("report_pbt") / "run"
    shutil.copytree(asha_run, out)
    (out / "report.html").unlink(missing_ok=True)
    con = sqlite3.connect(out / "supervisor.db")
    try:
        ids = [r[0] for r in con.execute("SELECT id FROM tasks ORDER BY id")]
        con.execute("""CREATE TABLE IF NOT EXISTS pbt_segments(
  task_id INTEGER PRIMARY KEY, member INTEGER NOT NULL, segment INTEGER NOT NULL, start_epoch INTEGER NOT NULL,
  end_epoch INTEGER NOT NULL, parent_task_id INTEGER NULL, parent_member INTEGER NULL, exploited INTEGER NOT NULL,
  params TEXT NOT NULL, score REAL NULL, UNIQUE(member, segment))""")
        task_of = {}
        for i, (member, seg, parent, exploited, lr, momentum) in enumerate(PBT_PLAN):
            task_of[(member, seg)] = ids[i]
            params = {"lr": lr, "momentum": momentum, "act": "relu"}
            score = None if (member, seg) == (2, 2) else 1.0 / (1 + i)
            con.execute("INSERT INTO pbt_segments VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (ids[i], member, seg, seg * INTERVAL, (seg + 1) * INTERVAL,
                         None if parent is None else task_of[(parent, seg - 1)], parent, exploited,
                         json.dumps(params), score))
        con.commit()
    finally:
        con.close()
    return out


def test_report_of_an_asha_run_draws_each_trial_against_epoch_with_pruned_ones_marked_and_the_rungs(asha_run):
    proc = sv("report", asha_run)
    assert proc.returncode == 0, proc.stderr
    page = (asha_run / "report.html").read_text()
    html = section_html(page, "pruning")
    pruned = store_rows(asha_run, "SELECT count(*) FROM tasks WHERE status = 'pruned'")[0][0]
    rungs = sorted(e for (e,) in store_rows(asha_run, "SELECT DISTINCT rung_epoch FROM prune_decisions "
                                                       "WHERE rung >= 0"))
    assert rungs
    assert html.count('src="data:image/png;base64,') == 1
    assert f"{pruned} pruned (crosses), rungs at {', '.join(map(str, rungs))}" in html  # the figure's alt text
    assert f"9: {9 - pruned} trained in full, {pruned} pruned" in html
    # The worker time saved is the figure `status` gives (one rule: status_view.cpp's pruning_summary).
    status = json.loads(subprocess.run([str(BINARY), "status", "--json", str(asha_run)], capture_output=True,
                                       text=True, timeout=60, check=True).stdout)
    assert f"({status['pruning']['worker_s_saved']:.0f} worker-s;" in html
    assert 'id="pbt"' not in page  # no pbt_segments table: no PBT section, no error

    # What the figure holds: one cross per pruned trial, where its curve ends; a line at every rung.
    from sv_report.sections.pruning import pruning_figure
    run = load_run(asha_run)
    fig, drawn = pruning_figure(run)
    ax = fig.axes[0]
    crosses = [a for a in ax.get_lines() if a.get_gid() == "pruned-ends"]
    assert len(crosses) == 1 and len(crosses[0].get_xdata()) == pruned == drawn["pruned drawn"]
    last_epoch = dict(store_rows(asha_run, "SELECT t.id, max(m.epoch) FROM tasks t JOIN metrics m "
                                           "ON m.task_id = t.id WHERE t.status = 'pruned' GROUP BY t.id"))
    assert sorted(crosses[0].get_xdata()) == sorted(last_epoch.values())
    assert sorted(a.get_xdata()[0] for a in ax.get_lines() if a.get_gid() == "rungs") == rungs
    cutoffs = [c for c in ax.collections if c.get_gid() == "rung-cutoffs"]
    assert len(cutoffs) == 1 and len(cutoffs[0].get_segments()) >= 1


def test_report_of_a_pbt_store_draws_the_lineage_with_exploits_marked_and_the_schedules(pbt_run, tmp_path):
    proc = sv("report", pbt_run)
    assert proc.returncode == 0, proc.stderr
    page = (pbt_run / "report.html").read_text()
    html = section_html(page, "pbt")
    assert html.count('src="data:image/png;base64,') == 2
    assert "PBT lineage: 3 members, 6 edges, 2 exploits" in html
    assert "hyperparameter schedules: lr, momentum" in html  # `act` is not a number: no panel
    exploits = html[html.index("<h3>Exploits</h3>"):]
    assert exploits.count("<tr>") == 1 + 2  # header + one row per exploit
    assert "lr 0.1 → 0.12, momentum 0.9 → 0.72" in exploits

    from sv_report.sections.pbt import lineage_figure, schedule_figure
    segments = load_run(pbt_run).pbt_segments
    assert len(segments) == len(PBT_PLAN)
    fig, n_continue, n_exploit = lineage_figure(segments)
    ax = fig.axes[0]
    by_gid = {c.get_gid(): c.get_segments() for c in ax.collections if c.get_gid()}
    non_first = sum(seg > 0 for _, seg, *_ in PBT_PLAN)
    assert len(by_gid["continue-edges"]) + len(by_gid["exploit-edges"]) == non_first == n_continue + n_exploit
    # Each exploit edge runs from the middle of its parent (row, epochs) to its own, across rows.
    assert sorted((tuple(e[0]), tuple(e[1])) for e in by_gid["exploit-edges"]) == [((1.5, 0), (4.5, 2)),
                                                                                 ((4.5, 2), (7.5, 1))]
    assert all(e[0][1] == e[1][1] for e in by_gid["continue-edges"])  # along its own row
    assert n_exploit == 2
    fig = schedule_figure(segments, ["lr", "momentum"])
    panels = [a for a in fig.axes if a.get_visible()]
    assert [a.get_ylabel() for a in panels] == ["lr", "momentum"]
    for a in panels:
        dots = [ln for ln in a.get_lines() if ln.get_gid() == "schedule-exploits"]
        assert len(dots) == 1 and sorted(dots[0].get_xdata()) == [3, 6]
        assert {ln.get_gid() for ln in a.get_lines()} >= {"schedule-0", "schedule-1", "schedule-2"}

    # The page as a browser shows it: every image decodes, nothing wider than the window.
    seen = inspect_page(pbt_run / "report.html", tmp_path / "shot.png")
    assert [i["alt"] for i in seen["images"] if not i["complete"] or i["naturalWidth"] <= 0] == []
    assert seen["scrollWidth"] <= seen["innerWidth"] and seen["overflowing"] == [], seen["overflowing"]
