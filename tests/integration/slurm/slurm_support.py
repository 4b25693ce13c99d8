"""Real Slurm clusters for the tests in this folder, as fixtures. `slurm` (session scope): one node on
localhost, start-slurm.sh starting munged, slurmctld and slurmd inside a temporary folder (nothing under
/etc is touched). `cluster` (module scope): hosts n1..n3 in network namespaces on a bridge
(start-cluster.sh), their shared file system under CLUSTER_STATE. Either fixture's finalizer always stops
what it started, by the pids in its pid files (and, for the cluster, its namespaces and links), also when a
test failed. A cluster that cannot start fails the tests that need it. (A module, not a conftest.py: the
folder above has one, and `from conftest import ...` cannot tell two apart.)"""
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from slurm_control import BINARY, CLUSTER_STATE, HERE, MODELS, ROOT, Cluster, Slurm, count, read_db, wait_for  # noqa: F401

CLUSTER_TOOLS = ("munged", "slurmctld", "slurmd", "sbatch", "scontrol", "ip", "nsenter", "unshare")


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


@pytest.fixture(scope="module")
def cluster():
    """Three hosts; the tests fail (never skip) when they cannot be started."""
    assert os.geteuid() == 0, "the multi-host tests start slurmd in network namespaces, which needs root"
    for tool in CLUSTER_TOOLS:
        assert shutil.which(tool), f"{tool} missing: run `bash scripts/install-deps.sh` (slurm-wlm, munge, iproute2)"
    assert BINARY.exists(), f"{BINARY} missing: build first (bash scripts/build.sh)"
    c = Cluster(CLUSTER_STATE, hosts=3)
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture
def submit(tmp_path, slurm):
    """submit(workflow, *args) runs `supervisor submit` against the cluster and returns the process."""
    assert BINARY.exists(), f"{BINARY} missing: build first (bash scripts/build.sh)"

    def call(*args, timeout=120):
        return subprocess.run([str(BINARY), "submit", *map(str, args)], cwd=tmp_path, env=slurm.env,
                              capture_output=True, text=True, timeout=timeout)

    return call
