"""Kill -9 the whole job at random moments, resume each time until done: the final set of (node, params,
result) equals an uninterrupted run's, and no task whose result was committed ever runs again."""
import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import BINARY, query_store

HPO = """
name: torture-hpo
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run", defaults: {sleep: 0.25}}
space:
  x: {type: float, low: -5, high: 5}
  y: {type: float, low: -5, high: 5}
  shape: {type: categorical, choices: [a, b]}
optimizer: {name: tpe, max_evals: 32, seed: 11, batch: 4}
resources: {workers: 2}
"""

SWEEP = """
name: torture-sweep
workflow: sweep
model: {kind: python, entry: "model_runner.examples.quadratic:run", defaults: {sleep: 0.15}}
sweep: {grid: {x: [0, 1, 2, 3, 4, 5, 6, 7], y: [0, 1, 2, 3, 4, 5]}}
resources: {workers: 2}
"""


SUBLEARNING = """
name: torture-sublearning
workflow: sublearning
model:
  kind: python
  entry: model_runner.examples.uno:run
  defaults: {n_cells: 40, n_rows: 4000, dense: [32, 16], dense_feature_layers: [16, 8], learning_rate: 0.003,
             batch_size: 64, corrupt_cells: [7]}
sublearning: {N: 2, S: 3, strategy: F-20, max_epochs: 20, patience: 0, keys: 40, first_fraction: 0.8,
              add_fraction: 0.3, val_fraction: 0.25, seed: 1}
resources: {workers: 2, preload: [torch]}
"""


def outcome(run_dir):
    con = sqlite3.connect(f"file:{run_dir / 'supervisor.db'}?mode=ro", uri=True)
    rows = con.execute("SELECT node_id, params, status, objective FROM tasks ORDER BY node_id").fetchall()
    # Parameters may name files in the run's own directory (a parent's weights): compare them relative to it.
    rows = [(n, p.replace(str(run_dir), "<run>"), st, obj) for n, p, st, obj in rows]
    status = con.execute("SELECT status FROM runs").fetchone()[0]
    con.close()
    return rows, status


def committed_attempts(run_dir):
    con = sqlite3.connect(f"file:{run_dir / 'supervisor.db'}?mode=ro", uri=True)
    rows = dict(con.execute("SELECT node_id, attempts FROM tasks WHERE status = 'done'").fetchall())
    con.close()
    return rows


def kill_job(proc, run_dir):
    """kill -9 every process of the job: mpiexec and each rank (Open MPI gives ranks their own process
    groups, so killing the launcher's group alone leaves ranks running)."""
    os.killpg(proc.pid, signal.SIGKILL)
    subprocess.run(["pkill", "-9", "-f", str(run_dir)], check=False)
    proc.wait()
    deadline = time.monotonic() + 60  # a safety net: SIGKILLed processes go at once, unless the machine stalls
    while subprocess.run(["pgrep", "-f", str(run_dir)], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "ranks of the killed job are still running"
        time.sleep(0.05)


def start(args, cwd):
    # Its own session, so one killpg reaches mpiexec and every rank.
    return subprocess.Popen([str(BINARY), *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def done_count(run_dir):
    rows = query_store(run_dir, "SELECT count(*) FROM tasks WHERE status = 'done'")
    return rows[0][0] if rows else 0


def total_tasks(run_dir):
    return query_store(run_dir, "SELECT count(*) FROM tasks")[0][0]


def run_until(proc, run_dir, target, deadline):
    """Waits until the store holds `target` done tasks (True) or the session ends first (False)."""
    while proc.poll() is None:
        assert time.monotonic() < deadline, "the torture run did not finish in time"
        if done_count(run_dir) >= target:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("text", [SWEEP, HPO, SUBLEARNING], ids=["sweep", "hpo", "sublearning"])
def test_kill_minus_nine_and_resume_until_done_matches_an_uninterrupted_run(tmp_path, text):
    wf = tmp_path / "wf.yaml"
    wf.write_text(text)
    reference = tmp_path / "reference"
    done = subprocess.run([str(BINARY), "run", str(wf), "--out", str(reference)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    total = total_tasks(reference)

    # Each session is killed once the store shows a few more tasks done than it started with (an eighth
    # to a quarter of the run, at least one), plus a random pause of up to a task's length: progress, not
    # the clock, decides, so every session gets something done and the run is killed several times
    # whatever this machine's load.
    rng = random.Random(20261123)
    victim = tmp_path / "victim"
    proc = start(["run", str(wf), "--out", str(victim)], tmp_path)
    kills = 0
    seen_committed = {}
    deadline = time.monotonic() + 480  # a safety net; each session pays a start-up
    while True:
        step = rng.randint(max(1, total // 8), max(1, total // 4))
        if run_until(proc, victim, done_count(victim) + step, deadline):
            time.sleep(rng.uniform(0, 0.3))
            kill_job(proc, victim)
            kills += 1
        else:
            proc.wait()
            if proc.returncode == 0:
                break
            pytest.fail(f"a session failed on its own: {proc.stderr.read().decode()[-2000:]}")
        if (victim / "supervisor.db").exists():
            # Nothing committed may run again: its attempt count is final.
            now = committed_attempts(victim)
            for node, attempts in seen_committed.items():
                assert now.get(node) == attempts, f"committed task {node} ran again"
            seen_committed = now
            proc = start(["resume", str(victim)], tmp_path)
        else:
            proc = start(["run", str(wf), "--out", str(victim)], tmp_path)
    assert kills >= 2, "the job finished before it could be killed twice; make its tasks slower"
    final = committed_attempts(victim)
    for node, attempts in seen_committed.items():
        assert final[node] == attempts, f"committed task {node} ran again"
    ref_rows, ref_status = outcome(reference)
    got_rows, got_status = outcome(victim)
    assert ref_status == got_status == "done"
    assert got_rows == ref_rows
