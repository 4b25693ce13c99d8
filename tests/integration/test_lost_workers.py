"""Lost workers: a worker rank that stops answering (its process frozen, heartbeat thread included) has its
task run again on another worker; the run finishes with every task done, and the job still ends.
The loss limits are generous (a healthy worker on a loaded 2-core machine must never look lost): what is
asserted is what the store recorded, never how soon."""


def test_a_frozen_worker_is_declared_lost_and_its_task_runs_elsewhere(supervisor, write_yaml, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    wf = write_yaml(f"""
workflow: sweep
model: {{kind: python, entry: "itest_models:freezes_once_on_three", python_path: ["@MODELS@"],
        defaults: {{marker_dir: "{markers}"}}, task_files: false}}
sweep: {{grid: {{x: [1, 2, 3, 4, 5, 6, 7, 8]}}}}
resources: {{workers: 3, heartbeat_s: 0.5, lost_after_s: 10}}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "stopped answering" in run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert all(t["status"] == "done" for t in tasks.values()), [(t["node_id"], t["error"]) for t in tasks.values()]
    # The start lost with the frozen worker is not an attempt (README, "Lost workers"): the loss is an event.
    assert {t["attempts"] for t in tasks.values()} == {1}
    with run.db() as con:
        lost = con.execute("SELECT message FROM events WHERE kind = 'lost'").fetchall()
        task_lost = [m for (m,) in con.execute("SELECT message FROM events WHERE kind = 'task_lost'")]
    assert len(lost) == 1 and "1 task(s) run again elsewhere" in lost[0][0]
    assert len(task_lost) == 1 and "(node 3) lost with worker rank" in task_lost[0], task_lost
    assert (markers / "froze-3").exists()


def test_an_embedded_call_stuck_past_its_timeout_and_grace_retires_its_worker_and_runs_elsewhere(
        supervisor, write_yaml, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    wf = write_yaml(f"""
workflow: sweep
model: {{kind: python, entry: "itest_models:stuck_once_on_three", python_path: ["@MODELS@"],
        defaults: {{marker_dir: "{markers}"}}, task_files: false, timeout: 4, retries: 1}}
sweep: {{grid: {{x: [1, 2, 3, 4, 5, 6]}}}}
resources: {{workers: 2, timeout_grace_s: 3}}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 0, run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert all(t["status"] == "done" for t in tasks.values()), [(t["node_id"], t["error"]) for t in tasks.values()]
    assert tasks["3"]["attempts"] == 2
    with run.db() as con:
        lost = [m for (m,) in con.execute("SELECT message FROM events WHERE kind = 'lost'")]
    assert len(lost) == 1 and "gave itself up" in lost[0], lost
    assert (markers / "stuck-3").exists()
