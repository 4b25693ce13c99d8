"""What `supervisor run` says when things go wrong: the reason comes first, on stderr."""
WORKFLOW = """
workflow: sweep
model:
  kind: python
  entry: procs_models:ENTRY
  python_path: ["@MODELS@"]
sweep: {grid: {x: [1, 2]}}
resources: {workers: 1}
"""


def test_when_every_task_fails_the_first_stderr_line_says_why(supervisor, write_yaml):
    run = supervisor("run", write_yaml(WORKFLOW.replace("ENTRY", "always_fails")), timeout=180)
    assert run.returncode == 3, run.stderr
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    assert lines, "nothing on stderr"
    assert lines[0].startswith("supervisor: every task failed"), run.stderr
    assert "first failure (node " in lines[0] and "model refuses x=" in lines[0]
    assert "Primary job" not in run.stderr and "mpiexec" not in run.stderr, run.stderr


def test_lost_worker_detection_switched_off_by_the_mpi_thread_level_is_said_and_recorded(supervisor, write_yaml,
                                                                                         monkeypatch):
    monkeypatch.setenv("SV_MPI_THREADS", "single")
    run = supervisor("run", write_yaml(WORKFLOW.replace("ENTRY", "prints_everywhere")), timeout=180)
    assert run.returncode == 0, run.stderr
    said = [l for l in run.stderr.splitlines() if "lost-worker detection is off" in l]
    assert len(said) == 1 and "MPI_THREAD_SINGLE" in said[0], run.stderr
    with run.db() as con:
        events = con.execute("SELECT message FROM events WHERE kind = 'heartbeat'").fetchall()
    assert len(events) == 1 and "MPI_THREAD_SINGLE" in events[0][0]


def test_a_bad_mpi_thread_level_is_refused_before_the_job_starts(supervisor, write_yaml, monkeypatch):
    monkeypatch.setenv("SV_MPI_THREADS", "lots")
    run = supervisor("run", write_yaml(WORKFLOW.replace("ENTRY", "prints_everywhere")), timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "supervisor: error: SV_MPI_THREADS='lots': expected single, funneled, serialized or multiple"]
    assert not run.out_dir.exists()
