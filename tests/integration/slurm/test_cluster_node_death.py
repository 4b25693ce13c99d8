"""A host that dies mid-run: every process of n3 (its slurmd, its job step, both its workers) is killed
once it has finished a task. The kernel ends the liveness connections of n3's workers to the server at
once (balancer/liveness.hpp: MPI itself tells rank 0 nothing), so they are declared lost long before
resources.lost_after_s (600 s here: the test could not finish by heartbeats); their tasks run on n1 and n2,
the starts lost on n3 are recorded (`task_lost`) and are not attempts, and the campaign finishes there with
the results an uninterrupted run gives. The step ends through MPI_Abort, which srun reports as failed, but
the job script exits with the server's own status (supervisor.exit): 0, the job COMPLETED. Its own module,
so its cluster starts fresh and is stopped after."""
import json
import time

from slurm_support import MODELS, cluster, count, read_db, wait_for  # noqa: F401 (fixture)



def test_a_campaign_finishes_on_the_hosts_left_when_one_dies(cluster):
    wf = cluster.shared / "death.yaml"
    wf.write_text(f"""
workflow: sweep
model: {{kind: python, entry: "cluster_models:quadratic", python_path: ["{MODELS}"], defaults: {{sleep: 1.0}}}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5], y: [-3, -2, -1, 0]}}}}
resources: {{workers: 6, heartbeat_s: 1, lost_after_s: 600}}
""")
    run_dir = cluster.run_dir("death")
    proc = cluster.submit(wf, "--site", "local-cluster", "--nodes", 3, "--out", run_dir)
    assert proc.returncode == 0, proc.stderr
    (job_id,), = read_db(run_dir, "SELECT job_id FROM submissions")
    wait_for("a task done on n3", lambda: (count(run_dir, "SELECT count(*) FROM tasks "
                                                          "WHERE status = 'done' AND host = 'n3'") or 0) > 0)
    cluster.kill_host("n3")
    killed_at = time.time()
    wait_for("the run done", lambda: count(run_dir, "SELECT count(*) FROM runs WHERE status = 'done'") == 1)

    events = read_db(run_dir, "SELECT kind, message FROM events ORDER BY id")
    lost = [m for k, m in events if k == "lost"]
    assert len(lost) == 2 and all(" on n3 " in m and "liveness connection" in m for m in lost), lost
    # Each start lost on n3 is recorded, after the loss event that gave its worker up.
    task_lost = [m for k, m in events if k == "task_lost"]
    assert len(task_lost) == 2 and all(" on n3 (" in m for m in task_lost), task_lost
    kinds = [k for k, _ in events]
    assert kinds.index("lost") < kinds.index("task_lost"), kinds
    rows = read_db(run_dir, "SELECT status, host, start_time, params, objective, attempts FROM tasks")
    assert len(rows) == 24 and {r[0] for r in rows} == {"done"}
    assert {r[5] for r in rows} == {1}, "a start lost with its node counted as an attempt"
    rows = [r[:5] for r in rows]
    # Nothing started on n3 after it died; every result is what an uninterrupted run computes.
    assert all(host != "n3" for _, host, start, _, _ in rows if start > killed_at + 1)
    got = sorted((json.loads(p)["x"], json.loads(p)["y"], obj) for _, _, _, p, obj in rows)
    assert got == sorted((x, y, (x - 1) ** 2 + (y + 2) ** 2) for x in range(6) for y in (-3, -2, -1, 0))

    # The job: Slurm ends it once it has declared n3 down (SlurmdTimeout); the script exited 0.
    state = cluster.wait_job(job_id, timeout=240)
    log = (run_dir / f"job-{job_id}.out").read_text()
    assert (state, cluster.job(job_id).get("ExitCode")) == ("COMPLETED", "0:0"), log
    assert (run_dir / "supervisor.exit").read_text().strip() == "0"
