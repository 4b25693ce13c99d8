"""The job dies with its first node: every process of n1 — the batch script, srun, the server (rank 0) and
n1's workers — is killed mid-run. Nothing is left to end the job or to submit its successor, so job.sh
queued the successor behind itself when it started (`--resubmit 1`: `--dependency=afterany`, on at most 3
nodes and as few as 1). Once Slurm declares n1 down (SlurmdTimeout) the job ends (NODE_FAIL), the successor
starts on the hosts left, n2 and n3, resumes from the store on the shared file system and finishes the
campaign: every task done with the results an uninterrupted run gives, nothing committed before the death
run again, and no task with more than one attempt (a start lost with the killed session is not one). Its
own module, so its cluster starts fresh and is stopped after."""
import json

from slurm_support import MODELS, cluster, count, read_db, wait_for  # noqa: F401 (fixture)



def test_a_job_that_dies_with_its_first_node_is_resumed_on_the_hosts_left_by_its_queued_successor(cluster):
    wf = cluster.shared / "server-death.yaml"
    wf.write_text(f"""
workflow: sweep
model: {{kind: python, entry: "cluster_models:quadratic", python_path: ["{MODELS}"], defaults: {{sleep: 1.0}}}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5], y: [-3, -2, -1, 0]}}}}
resources: {{workers: 6}}
""")
    run_dir = cluster.run_dir("server-death")
    proc = cluster.submit(wf, "--site", "local-cluster", "--nodes", 3, "--resubmit", 1, "--out", run_dir)
    assert proc.returncode == 0, proc.stderr
    first = read_db(run_dir, "SELECT job_id FROM submissions ORDER BY id")[0][0]
    wait_for("the successor queued and a round of tasks done, the next running",
             lambda: (count(run_dir, "SELECT count(*) FROM submissions") or 0) == 2
             and (count(run_dir, "SELECT count(*) FROM tasks WHERE status = 'done'") or 0) >= 6
             and (count(run_dir, "SELECT count(*) FROM tasks WHERE status = 'running'") or 0) >= 1)
    cluster.kill_host("n1")
    committed = {node: (attempts, end) for node, attempts, end in
                 read_db(run_dir, "SELECT node_id, attempts, end_time FROM tasks WHERE status = 'done'")}

    assert cluster.wait_job(first, timeout=240) == "NODE_FAIL"
    (_, second), = read_db(run_dir, "SELECT id, job_id FROM submissions WHERE job_id != ?", (first,))
    log = run_dir / f"job-{second}.out"
    assert cluster.wait_job(second, timeout=240) == "COMPLETED", log.read_text() if log.exists() else "no log"
    assert cluster.job(second).get("ExitCode") == "0:0", log.read_text()

    assert read_db(run_dir, "SELECT status FROM runs") == [("done",)]
    sessions = read_db(run_dir, "SELECT job_id, host, workers, status FROM sessions ORDER BY id")
    assert [(j, s) for j, _, _, s in sessions] == [(first, "killed"), (second, "done")], sessions
    # The successor ran on the two hosts left: its server on n2, 2 × 2 workers.
    assert sessions[1][1:3] == ("n2", 4), sessions
    rows = read_db(run_dir, "SELECT node_id, status, params, objective, attempts, end_time, host FROM tasks")
    assert len(rows) == 24 and {r[1] for r in rows} == {"done"}
    got = sorted((json.loads(p)["x"], json.loads(p)["y"], obj) for _, _, p, obj, _, _, _ in rows)
    assert got == sorted((x, y, (x - 1) ** 2 + (y + 2) ** 2) for x in range(6) for y in (-3, -2, -1, 0))
    assert {r[4] for r in rows} == {1}, [(r[0], r[4]) for r in rows if r[4] != 1]
    for node, _, _, _, attempts, end, host in rows:
        if node in committed:
            assert (attempts, end) == committed[node], f"committed task {node} ran again"
        else:
            assert host in ("n2", "n3"), (node, host)
