"""`supervisor submit --site local-slurm` against a real Slurm: the job runs the workflow through
`srun --mpi=pmix`, and the run's store records the tasks, the session and the submission with its job id.
A campaign that loses its server finishes in the successor job queued behind it when it started."""
from slurm_support import MODELS, read_db, slurm, submit  # noqa: F401 (fixtures)


def write(path, text):
    path.write_text(text.replace("@MODELS@", str(MODELS)))
    return path


def test_submitted_sweep_runs_as_a_slurm_job_and_records_its_job_id(tmp_path, slurm, submit):
    wf = write(tmp_path / "wf.yaml", """
name: slurm-quad
workflow: sweep
model: {kind: python, entry: "slurm_models:quadratic", python_path: ["@MODELS@"]}
sweep: {grid: {x: [0, 1, 2, 3], y: [-2, 0]}}
resources: {workers: 2}
""")
    run_dir = tmp_path / "run"
    proc = submit(wf, "--site", "local-slurm", "--out", run_dir)
    assert proc.returncode == 0, proc.stderr
    (scheduler, job_id, script, site, left), = read_db(
        run_dir, "SELECT scheduler, job_id, script, site, resubmits_left FROM submissions")
    assert (scheduler, site, left) == ("slurm", "local-slurm", 0)
    assert script == str(run_dir / "job.sh")
    assert f"submitted job {job_id} to slurm" in proc.stdout

    assert slurm.wait_job(job_id) == "COMPLETED", (run_dir / f"job-{job_id}.out").read_text()
    assert read_db(run_dir, "SELECT status FROM runs") == [("done",)]
    tasks = read_db(run_dir, "SELECT status, worker, objective FROM tasks ORDER BY id")
    assert len(tasks) == 8
    assert {t[0] for t in tasks} == {"done"}
    assert {t[1] for t in tasks} <= {1, 2}
    assert sorted(t[2] for t in tasks) == sorted((x - 1) ** 2 + (y + 2) ** 2 for x in range(4) for y in (-2, 0))
    # The session ran inside the job: 2 workers (3 ranks), and it knows its Slurm job id.
    assert read_db(run_dir, "SELECT workers, job_id, status FROM sessions") == [(2, job_id, "done")]


def test_a_job_that_loses_its_server_submits_its_successor_which_finishes_the_run(tmp_path, slurm, submit):
    wf = write(tmp_path / "wf.yaml", f"""
name: slurm-chain
workflow: sweep
model:
  kind: python
  entry: "slurm_models:kill_server_once"
  python_path: ["@MODELS@"]
  defaults: {{marker: "{tmp_path / 'killed-once'}"}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5]}}}}
resources: {{workers: 2}}
""")
    run_dir = tmp_path / "run"
    proc = submit(wf, "--site", "local-slurm", "--out", run_dir, "--resubmit", 2)
    assert proc.returncode == 0, proc.stderr
    first = read_db(run_dir, "SELECT job_id FROM submissions")[0][0]
    slurm.wait_job(first)  # ends with the server killed; its successor was queued when it started

    chain = read_db(run_dir, "SELECT job_id, resubmits_left FROM submissions ORDER BY id")
    assert len(chain) >= 2, (run_dir / f"job-{first}.out").read_text()
    assert [left for _, left in chain[:2]] == [2, 1]
    second = chain[1][0]
    assert second != first
    assert slurm.wait_job(second) == "COMPLETED", (run_dir / f"job-{second}.out").read_text()

    assert read_db(run_dir, "SELECT status FROM runs") == [("done",)]
    assert {s for s, in read_db(run_dir, "SELECT status FROM tasks")} == {"done"}
    assert len(read_db(run_dir, "SELECT id FROM tasks")) == 6
    sessions = read_db(run_dir, "SELECT job_id, status FROM sessions ORDER BY id")
    assert [j for j, _ in sessions] == [first, second]
    assert sessions[-1][1] == "done"
    # The successor queued a third job when it started and cancelled it once the run was done: it never ran.
    chain = read_db(run_dir, "SELECT job_id, resubmits_left FROM submissions ORDER BY id")
    assert [left for _, left in chain] == [2, 1, 0]
    third = chain[2][0]
    assert slurm.wait_job(third) == "CANCELLED"
    assert f"cancelled queued successor job {third}" in (run_dir / f"job-{second}.out").read_text()
    assert read_db(run_dir, "SELECT message FROM events WHERE kind = 'chain'") == [
        (f"cancelled queued successor job {third}: run done",)]
