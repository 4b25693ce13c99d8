"""The scheduler's signals on a running 3-host job: Slurm's USR1 to the batch shell (`scancel --signal=USR1
--batch`, what `#SBATCH --signal=B:USR1@N` sends ahead of the time limit) reaches srun through job.sh's
trap, as USR1, and srun forwards it to every rank; a TERM to the job steps (`scancel --signal=TERM`, what
the ranks get at the time limit or on preemption) reaches the ranks directly (a TERM to the batch shell
takes the trap's way, as USR1: tests/cpp/site/job_script_test.cpp). Either way the ranks drain: the job exits 0, its session is `drained` with the interrupted
tasks pending, and the successor queued behind it (`--resubmit 1`) resumes them from their checkpoints and
finishes the run."""
import json

import pytest

from slurm_support import MODELS, cluster, count, read_db, wait_for  # noqa: F401 (fixture)

# 24 tasks of 8 epochs × 0.25 s: about four rounds of 6 workers, so a signal after the first round finds
# every worker in the middle of a task.
WORKFLOW = f"""
workflow: sweep
model: {{kind: python, entry: "cluster_models:checkpointed", python_path: ["{MODELS}"]}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5], y: [-3, -2, -1, 0]}}}}
resources: {{workers: 6}}
"""



@pytest.mark.parametrize("signal, to_batch", [("USR1", True), ("TERM", False)],
                         ids=["USR1-to-batch-shell", "TERM-to-steps"])
def test_a_signal_drains_a_three_host_job_and_its_successor_finishes_the_run(cluster, signal, to_batch):
    name = f"signal-{signal}-{'batch' if to_batch else 'steps'}"
    wf = cluster.shared / f"{name}.yaml"
    wf.write_text(WORKFLOW)
    run_dir = cluster.run_dir(name)
    proc = cluster.submit(wf, "--site", "local-cluster", "--nodes", 3, "--resubmit", 1, "--out", run_dir)
    assert proc.returncode == 0, proc.stderr
    first = read_db(run_dir, "SELECT job_id FROM submissions ORDER BY id")[0][0]
    wait_for("a round of tasks done and the next running",
             lambda: (count(run_dir, "SELECT count(*) FROM tasks WHERE status = 'done'") or 0) >= 6
             and (count(run_dir, "SELECT count(*) FROM tasks WHERE status = 'running'") or 0) >= 1)
    cluster.scancel(f"--signal={signal}", *(["--batch"] if to_batch else []), first)

    state = cluster.wait_job(first)
    log = (run_dir / f"job-{first}.out").read_text()
    assert (state, cluster.job(first).get("ExitCode")) == ("COMPLETED", "0:0"), log
    sessions = read_db(run_dir, "SELECT job_id, status FROM sessions ORDER BY id")
    assert sessions[0] == (first, "drained"), (sessions, log)
    drains = read_db(run_dir, "SELECT message FROM events WHERE kind = 'drain'")
    assert drains and f"SIG{signal}" in drains[0][0], drains

    # The successor, queued behind the first job when it started, resumes and finishes the run.
    chain = read_db(run_dir, "SELECT job_id FROM submissions ORDER BY id")
    assert len(chain) == 2, chain
    second = chain[1][0]
    assert cluster.wait_job(second) == "COMPLETED", (run_dir / f"job-{second}.out").read_text()
    assert read_db(run_dir, "SELECT status FROM runs") == [("done",)]
    assert [s for _, s in read_db(run_dir, "SELECT job_id, status FROM sessions ORDER BY id")] == ["drained", "done"]
    rows = read_db(run_dir, "SELECT status, params, objective, result FROM tasks")
    assert len(rows) == 24 and {r[0] for r in rows} == {"done"}
    got = sorted((json.loads(p)["x"], json.loads(p)["y"], obj) for _, p, obj, _ in rows)
    assert got == sorted((x, y, (x - 1) ** 2 + (y + 2) ** 2) for x in range(6) for y in (-3, -2, -1, 0))
    resumed = [json.loads(r)["resumed_at"] for _, _, _, r in rows if json.loads(r)["resumed_at"] > 1]
    assert resumed, "no task interrupted by the drain resumed from its checkpoint"
