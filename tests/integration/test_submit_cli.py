"""`supervisor submit` end to end without a real LSF, PBS or Cobalt: --dry-run scripts, the checks on
command-line values, and submission through stand-in `bsub`/`qsub` programs on PATH that record their argv
and stdin and answer as the real ones do; the resubmission chain through `submit --continue`; and the
`local` site, whose job really runs. Assertions are on the run's SQLite rows."""
import os
import pathlib
import sqlite3
import subprocess
import time

from conftest import BINARY

WORKFLOW = """
name: campaign
workflow: sweep
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
sweep: {grid: {x: [0, 1, 2], y: [0, 1]}}
resources: {workers: 2}
"""


def submit(tmp_path, *args, env=None):
    return subprocess.run([str(BINARY), "submit", *map(str, args)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=env)


def rows(run_dir, sql):
    con = sqlite3.connect(f"file:{run_dir / 'supervisor.db'}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def fake_scheduler(tmp_path, name, answer):
    """A stand-in for `name` that appends its argv (and stdin's first #-directive line) to calls.log."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir(exist_ok=True)
    tool = bindir / name
    tool.write_text(f"""#!/bin/bash
{{ printf '%s\\n' "$*"; if [ ! -t 0 ]; then grep -m1 '^#BSUB -nnodes' || true; fi; }} >> {tmp_path}/calls.log
echo '{answer}'
""")
    tool.chmod(0o755)
    return dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")


def test_summit_dry_run_prints_lsf_jsrun_conventions_and_writes_no_store(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    out = tmp_path / "run"
    proc = submit(tmp_path, wf, "--site", "summit", "--nodes", 3, "--walltime", "1:30:00", "--project", "BIF123",
                  "--dry-run", "--out", out)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "#BSUB -nnodes 3" in lines
    assert "#BSUB -P BIF123" in lines
    assert "#BSUB -W 90" in lines
    # 3 nodes x 5 workers + the server: 16 resource sets of 1 task, 7 cores, 1 GPU.
    assert any(l.strip().startswith("jsrun -n 16 -a 1 -c 7 -g 1 ") and l.endswith(f"run {wf} --out {out}")
               for l in lines)
    assert (out / "job.sh").read_text() == proc.stdout
    assert not (out / "supervisor.db").exists()
    assert "dry run" in proc.stderr and "nothing submitted" in proc.stderr


def test_bad_values_fail_with_one_line_before_anything_is_written(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    for args, message in [
        (["--walltime", "1:99:99"], "--walltime '1:99:99': expected H:MM:SS"),
        (["--queue", "debug;reboot"], "--queue 'debug;reboot': expected letters"),
        (["--site", "nowhere"], "site 'nowhere': no nowhere.yaml"),
        (["--out", tmp_path / "my run"], "the run directory goes into scheduler directives"),
    ]:
        opts = {"--site": "generic-pbs", "--out": tmp_path / "r", **dict([args])}
        proc = submit(tmp_path, wf, "--dry-run", *[x for kv in opts.items() for x in kv])
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_pbs_submission_records_the_job_id_and_the_chain_resubmits_until_none_are_left(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    out = tmp_path / "run"
    env = fake_scheduler(tmp_path, "qsub", "4242.pbs01.example")
    proc = submit(tmp_path, wf, "--site", "polaris", "--out", out, "--resubmit", 1, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "submitted job 4242.pbs01.example to pbs" in proc.stdout
    assert rows(out, "SELECT status FROM runs") == [("submitted",)]
    assert rows(out, "SELECT scheduler, job_id, script, site, resubmits_left FROM submissions") == [
        ("pbs", "4242.pbs01.example", str(out / "job.sh"), "polaris", 1)]

    # What the job script runs after its MPI job: the run is not done, one resubmission is left.
    proc = submit(tmp_path, "--continue", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "submitted successor job" in proc.stdout
    assert rows(out, "SELECT resubmits_left FROM submissions ORDER BY id") == [(1,), (0,)]
    proc = submit(tmp_path, "--continue", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "no resubmissions are left" in proc.stdout
    assert len(rows(out, "SELECT id FROM submissions")) == 2
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls == [str(out / "job.sh"), f"-v SV_JOB_MODE=resume {out / 'job.sh'}"]

    status = subprocess.run([str(BINARY), "status", out, "--json"], capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert '"job_id":"4242.pbs01.example"' in status.stdout


def test_lsf_reads_the_script_on_stdin_and_a_refused_submission_leaves_no_store(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    out = tmp_path / "run"
    env = fake_scheduler(tmp_path, "bsub", "Job <777> is submitted to queue <batch>.")
    proc = submit(tmp_path, wf, "--site", "summit", "--out", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert rows(out, "SELECT scheduler, job_id FROM submissions") == [("lsf", "777")]
    assert (tmp_path / "calls.log").read_text().splitlines() == ["", "#BSUB -nnodes 1"]

    env = fake_scheduler(tmp_path, "bsub", "Request aborted by esub. Job not submitted.")
    out2 = tmp_path / "run2"
    proc = submit(tmp_path, wf, "--site", "summit", "--out", out2, env=env)
    assert proc.returncode == 2
    assert "printed no job id" in proc.stderr and "nothing was submitted" in proc.stderr
    assert not (out2 / "supervisor.db").exists()
    # The same --out works once the scheduler takes the job.
    env = fake_scheduler(tmp_path, "bsub", "Job <778> is submitted to queue <batch>.")
    assert submit(tmp_path, wf, "--site", "summit", "--out", out2, env=env).returncode == 0


def test_local_site_runs_the_job_in_the_background(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    out = tmp_path / "run"
    proc = submit(tmp_path, wf, "--site", "local", "--out", out)
    assert proc.returncode == 0, proc.stderr
    (scheduler, pid), = rows(out, "SELECT scheduler, job_id FROM submissions")
    assert scheduler == "local" and pid.isdigit()
    deadline = time.monotonic() + 180
    while rows(out, "SELECT status FROM runs")[0][0] != "done":
        assert time.monotonic() < deadline, (out / f"job-{pid}.out").read_text()
        time.sleep(0.5)
    assert {s for s, in rows(out, "SELECT status FROM tasks")} == {"done"}
    assert len(rows(out, "SELECT id FROM tasks")) == 6
    assert (out / f"job-{pid}.out").exists()


def test_a_slurm_chain_queues_the_successor_behind_the_running_job_and_cancels_it_when_the_run_is_done(tmp_path):
    env = fake_scheduler(tmp_path, "sbatch", "4242")
    fake_scheduler(tmp_path, "scancel", "")
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    out = tmp_path / "run"
    assert submit(tmp_path, wf, "--site", "generic-slurm", "--nodes", 3, "--out", out, "--resubmit", 2,
                  env=env).returncode == 0
    # What job.sh does when job 4242 starts: queue its successor behind it, on the nodes left of 3.
    fake_scheduler(tmp_path, "sbatch", "4243")
    proc = submit(tmp_path, "--continue", out, "--after", "4242", "--nodes", 3, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "queued successor job 4243 behind job 4242" in proc.stdout
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls[-1] == f"--parsable --export=ALL,SV_JOB_MODE=resume --dependency=afterany:4242 --nodes=1-3 {out}/job.sh"
    assert rows(out, "SELECT job_id, resubmits_left FROM submissions ORDER BY id") == [("4242", 2), ("4243", 1)]
    # Called again (at the job's end) while the run goes on: the queued one stays, nothing more is queued.
    proc = submit(tmp_path, "--continue", out, "--after", "4242", "--nodes", 3, env=env)
    assert proc.returncode == 0 and "successor job 4243 is queued behind job 4242" in proc.stdout, proc.stdout
    assert len(rows(out, "SELECT id FROM submissions")) == 2

    # At the job's end with the run done, the queued successor is cancelled and the reason recorded.
    con = sqlite3.connect(out / "supervisor.db")
    con.execute("UPDATE runs SET status = 'done'")
    con.commit()
    con.close()
    proc = submit(tmp_path, "--continue", out, "--after", "4242", "--nodes", 3, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "cancelled queued successor job 4243" in proc.stdout
    assert (tmp_path / "calls.log").read_text().splitlines()[-1] == "4243"  # scancel 4243
    assert rows(out, "SELECT message FROM events WHERE kind = 'chain'") == [
        ("cancelled queued successor job 4243: run done",)]
    assert submit(tmp_path, "--continue", out, "--after", "bad id;", env=env).returncode == 2
