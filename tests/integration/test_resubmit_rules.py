"""`submit --continue` (the last line of a job script with --resubmit) hands the run to a successor only
when a new allocation gets past how the job ended: a drain, a job killed before it ended the run, a run
that lost its workers. A run that failed by itself stops the chain, with the reason printed and recorded."""
import sqlite3

import pytest

from test_submit_cli import WORKFLOW, fake_scheduler, rows, submit


def submitted_run(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    out = tmp_path / "run"
    env = fake_scheduler(tmp_path, "qsub", "77.pbs")
    proc = submit(tmp_path, wf, "--site", "polaris", "--out", out, "--resubmit", 3, env=env)
    assert proc.returncode == 0, proc.stderr
    return out, env


def end_job(out, status, events=()):
    """What a job leaves in the store: a session, the run's status and the session's events."""
    con = sqlite3.connect(out / "supervisor.db")
    with con:
        con.execute("INSERT INTO sessions(started, ended, workers, host, job_id, status) "
                    "VALUES (100, 0, 2, 'n1', '77.pbs', 'running')")
        con.execute("UPDATE runs SET status = ?", (status,))
        for kind, message in events:
            con.execute("INSERT INTO events(time, kind, message) VALUES (150, ?, ?)", (kind, message))
    con.close()


@pytest.mark.parametrize("status, events", [
    ("drained", []),
    ("running", []),
    ("failed", [("lost", "worker rank 1 on n1 stopped answering")]),
])
def test_a_run_that_drained_was_killed_or_lost_its_workers_gets_a_successor(tmp_path, status, events):
    out, env = submitted_run(tmp_path)
    end_job(out, status, events)
    proc = submit(tmp_path, "--continue", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "submitted successor job" in proc.stdout
    assert rows(out, "SELECT resubmits_left FROM submissions ORDER BY id") == [(3,), (2,)]


def test_a_run_that_failed_by_itself_stops_the_chain_with_the_reason(tmp_path):
    out, env = submitted_run(tmp_path)
    end_job(out, "failed", [("fatal", "the optimizer died: ValueError: bad option"),
                            ("lost", "worker rank 2 stopped answering")])
    proc = submit(tmp_path, "--continue", out, env=env)
    assert proc.returncode == 1
    assert "the optimizer died: ValueError: bad option" in proc.stderr
    assert "no successor submitted" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert rows(out, "SELECT count(*) FROM submissions") == [(1,)]
    chain = rows(out, "SELECT message FROM events WHERE kind = 'chain'")
    assert len(chain) == 1 and "the optimizer died" in chain[0][0]
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 1, "a successor was handed to the scheduler"
