"""A real one-node Slurm cluster for the tests in this folder, as fixtures: start-slurm.sh starts munged,
slurmctld and slurmd inside a temporary folder (nothing under /etc is touched); the fixture's finalizer
always stops them again, by the pids in their pid files. (A module, not a conftest.py: the folder above
has one, and `from conftest import ...` cannot tell two apart.)"""
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
BUILD = pathlib.Path(os.environ.get("SV_BUILD_DIR", ROOT / "build"))
BINARY = BUILD / "bin" / "supervisor"
MODELS = HERE / "models"


class Slurm:
    """The running cluster: `env` holds SLURM_CONF for every command that talks to it."""

    def __init__(self, state):
        self.state = state
        self.env = dict(os.environ, SLURM_CONF=str(state / "slurm.conf"))

    def job_state(self, job_id):
        out = subprocess.run(["scontrol", "show", "job", "-o", str(job_id)], env=self.env,
                             capture_output=True, text=True, timeout=30).stdout
        m = re.search(r"\bJobState=(\S+)", out)
        return m.group(1) if m else None

    def wait_job(self, job_id, timeout=240):
        """Waits until the job leaves PENDING/RUNNING (bounded); returns its final state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.job_state(job_id)
            if state not in (None, "PENDING", "RUNNING", "CONFIGURING", "COMPLETING"):
                return state
            time.sleep(0.5)
        raise AssertionError(f"slurm job {job_id} still {self.job_state(job_id)} after {timeout}s; "
                             f"logs in {self.state}/log")


def read_db(run_dir, sql):
    con = sqlite3.connect(f"file:{run_dir / 'supervisor.db'}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def slurm():
    # Fails rather than skips: CI runs as root, and a Slurm test that did not run has tested nothing.
    if os.geteuid() != 0:
        pytest.fail("starting slurmd and slurmctld needs root: run the Slurm tests as root (CI does)")
    for tool in ("munged", "slurmctld", "slurmd", "sbatch", "scontrol"):
        assert shutil.which(tool), f"{tool} missing: run `bash scripts/install-deps.sh` (slurm-wlm, munge)"
    state = pathlib.Path(tempfile.mkdtemp(prefix="sv-slurm-"))
    cluster = Slurm(state)
    try:
        proc = subprocess.run(["bash", str(HERE / "start-slurm.sh"), str(state), "90"],
                              capture_output=True, text=True, timeout=150)
        assert proc.returncode == 0, f"start-slurm.sh failed ({proc.returncode}):\n{proc.stderr}"
        yield cluster
    finally:
        subprocess.run(["bash", str(HERE / "stop-slurm.sh"), str(state)], timeout=60)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def submit(tmp_path, slurm):
    """submit(workflow, *args) runs `supervisor submit` against the cluster and returns the process."""
    assert BINARY.exists(), f"{BINARY} missing: build first (bash scripts/build.sh)"

    def call(*args, timeout=120):
        return subprocess.run([str(BINARY), "submit", *map(str, args)], cwd=tmp_path, env=slurm.env,
                              capture_output=True, text=True, timeout=timeout)

    return call
