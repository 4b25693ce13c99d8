"""Driving the test clusters from Python, without pytest (the fixtures in slurm_support.py and
benchmarks/multihost_loop.py both use it). Terms: a *cluster* is what start-slurm.sh (one node on
localhost) or start-cluster.sh (N hosts n1..nN in network namespaces) started inside its state folder;
`env` carries SLURM_CONF for every command that talks to it; a job is waited for through
`scontrol show job` (there is no accounting database for sacct)."""
import os
import pathlib
import re
import signal
import sqlite3
import subprocess
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
BUILD = pathlib.Path(os.environ.get("SV_BUILD_DIR", ROOT / "build"))
BINARY = BUILD / "bin" / "supervisor"
MODELS = HERE / "models"
# Outside /tmp: each host has a /tmp of its own, and everything here plays the shared file system. One
# fixed folder, so that a start finds (and stops) what a crashed earlier run left.
CLUSTER_STATE = pathlib.Path(os.environ.get("SV_CLUSTER_STATE", "/var/tmp/sv-cluster"))
FINISHED = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
            "BOOT_FAIL", "DEADLINE")


class Slurm:
    """A running cluster (one node or several)."""

    def __init__(self, state):
        self.state = pathlib.Path(state)
        self.env = dict(os.environ, SLURM_CONF=str(self.state / "slurm.conf"))

    def job(self, job_id):
        """`scontrol show job` as a dict of its KEY=VALUE fields ({} when Slurm no longer knows it)."""
        out = subprocess.run(["scontrol", "show", "job", "-o", str(job_id)], env=self.env,
                             capture_output=True, text=True, timeout=30).stdout
        return dict(re.findall(r"(\w+)=(\S*)", out))

    def scancel(self, *args):
        """`scancel ARGS...` against this cluster (raises when it fails)."""
        subprocess.run(["scancel", *map(str, args)], env=self.env, check=True, capture_output=True, text=True,
                       timeout=30)

    def job_state(self, job_id):
        return self.job(job_id).get("JobState")

    def wait_job(self, job_id, timeout=240):
        """Waits until the job has ended (bounded); returns its final state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.job_state(job_id)
            if state in FINISHED:
                return state
            time.sleep(0.5)
        raise AssertionError(f"slurm job {job_id} still {self.job_state(job_id)} after {timeout}s; "
                             f"logs in {self.state}/log")


class Cluster(Slurm):
    """N hosts n1..nN on a bridge (start-cluster.sh); `shared` is the folder every host sees."""

    def __init__(self, state=CLUSTER_STATE, hosts=3):
        super().__init__(state)
        self.hosts = [f"n{k}" for k in range(1, hosts + 1)]
        self.shared = self.state / "shared"

    def start(self, timeout_s=30):
        """Starts the cluster (stopping what an earlier run left first); raises RuntimeError with the
        script's message when it cannot."""
        proc = subprocess.run(["bash", str(HERE / "start-cluster.sh"), str(self.state), str(len(self.hosts)),
                               str(timeout_s)], capture_output=True, text=True, timeout=timeout_s + 90)
        if proc.returncode != 0:
            raise RuntimeError(f"start-cluster.sh failed ({proc.returncode}):\n{proc.stderr}")
        self.shared.mkdir(parents=True, exist_ok=True)

    def stop(self):
        subprocess.run(["bash", str(HERE / "stop-cluster.sh"), str(self.state)], timeout=120)

    def run_dir(self, name):
        """A fresh path for a run directory on the shared file system."""
        path = self.shared / name
        assert not path.exists(), path
        return path

    def submit(self, *args, cwd=None, timeout=120):
        """`supervisor submit ARGS...` against the cluster; returns the finished process."""
        return subprocess.run([str(BINARY), "submit", *map(str, args)], cwd=cwd or self.shared, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def host_pids(self, host):
        """Every process running on one host (its network namespace), the slurmd included."""
        ns = f"svc-n{self.hosts.index(host) + 1}"
        out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=30).stdout
        return [int(p) for p in out.split()]


    def kill_host(self, host):
        """Kills every process of one host at once (SIGKILL), its slurmd included, as a node that dies."""
        for pid in self.host_pids(host):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def read_db(run_dir, sql, args=()):
    con = sqlite3.connect(f"file:{pathlib.Path(run_dir) / 'supervisor.db'}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def count(run_dir, sql):
    """The first value of `sql` on the run's store, or None while the store is not there yet or busy."""
    try:
        return read_db(run_dir, sql)[0][0]
    except Exception:
        return None


def wait_for(what, predicate, timeout=180):
    """Waits on something the store or Slurm records; the timeout is a safety net, never a bound asserted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout}s")


def submitted_job(run_dir):
    """The job id of a run's first submission."""
    return read_db(run_dir, "SELECT job_id FROM submissions ORDER BY id")[0][0]
