"""Several workers per GPU, CUDA MPS and GPU telemetry, under real mpiexec on a machine without a GPU:
the workflow's `workers_per_gpu` sets each worker's CUDA_VISIBLE_DEVICES; `gpu_sharing: mps` starts one
control daemon per node (here a stand-in program: SV_MPS_CONTROL) with its folders in the run directory,
points the workers at it and stops it; a daemon that cannot start costs one line, an event, and time-
slicing; with no libnvidia-ml the run records no GPU samples and says nothing about it."""
import json
import os
import stat

PROBE = ("import os\n"
         "def run(params):\n"
         "    return {'val_loss': 0.0, 'visible': os.environ.get('CUDA_VISIBLE_DEVICES'),\n"
         "            'pipe': os.environ.get('CUDA_MPS_PIPE_DIRECTORY', '')}\n")


def workflow(tmp_path, resources):
    (tmp_path / "gpu_probe.py").write_text(PROBE)
    return f"""
workflow: sweep
model: {{kind: python, entry: "gpu_probe:run", python_path: ["{tmp_path}"]}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}}}}
objective: {{metric: val_loss}}
resources: {{{resources}}}
"""


def events(run, kind):
    with run.db() as con:
        return [r["message"] for r in con.execute("SELECT message FROM events WHERE kind = ?", (kind,))]


def test_workers_per_gpu_packs_k_workers_on_each_gpu(supervisor, write_yaml, tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    wf = write_yaml(workflow(tmp_path, "workers: 4, workers_per_gpu: 2, gpus_per_node: 2, heartbeat_s: 0"))
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    seen = {t["worker"]: json.loads(t["result"])["visible"] for t in run.tasks()}
    assert seen and all(seen[w] == ("0" if w <= 2 else "1") for w in seen), seen
    assert "(2 workers per GPU)" in run.stderr


def test_fractional_gpus_per_worker_is_a_share(supervisor, write_yaml, tmp_path, monkeypatch):
    wf = write_yaml(workflow(tmp_path, "workers: 3, gpus_per_worker: 0.5, heartbeat_s: 0"))
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    seen = {t["worker"]: json.loads(t["result"])["visible"] for t in run.tasks()}
    assert all(seen[w] == str((w - 1) // 2) for w in seen), seen


def test_mps_daemon_is_started_in_the_run_dir_used_and_stopped(supervisor, write_yaml, tmp_path, monkeypatch):
    # A stand-in for nvidia-cuda-mps-control: `-d` makes the control socket file and returns; `quit` on
    # stdin removes it. Each call is logged, so the test sees start and stop.
    log = tmp_path / "mps-calls.log"
    fake = tmp_path / "fake-mps-control"
    fake.write_text(f"""#!/bin/sh
if [ "$1" = "-d" ]; then echo "start $CUDA_MPS_PIPE_DIRECTORY $CUDA_MPS_LOG_DIRECTORY" >> {log}; touch "$CUDA_MPS_PIPE_DIRECTORY/control"; exit 0; fi
read cmd; echo "$cmd $CUDA_MPS_PIPE_DIRECTORY" >> {log}; rm -f "$CUDA_MPS_PIPE_DIRECTORY/control"
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("SV_MPS_CONTROL", str(fake))
    wf = write_yaml(workflow(tmp_path, "workers: 3, workers_per_gpu: 3, gpu_sharing: mps, heartbeat_s: 0"))
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    calls = log.read_text().splitlines()
    pipe = str(run.out_dir / "mps" / os.uname().nodename / "pipe")
    assert calls[0].split()[:2] == ["start", pipe], calls
    assert calls[-1] == f"quit {pipe}", calls
    assert len(calls) == 2, calls  # one daemon for the one node
    assert {json.loads(t["result"])["pipe"] for t in run.tasks()} == {pipe}
    assert any("started on every node" in m for m in events(run, "gpu_sharing"))


def test_mps_that_cannot_start_falls_back_to_time_slicing(supervisor, write_yaml, tmp_path, monkeypatch):
    monkeypatch.setenv("SV_MPS_CONTROL", str(tmp_path / "no-such-mps-control"))
    wf = write_yaml(workflow(tmp_path, "workers: 2, workers_per_gpu: 2, gpu_sharing: mps, heartbeat_s: 0"))
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    lines = [l for l in run.stderr.splitlines() if "gpu_sharing: mps" in l]
    assert len(lines) == 1 and "time-slicing" in lines[0] and "no-such-mps-control" in lines[0], run.stderr
    assert all(t["status"] == "done" for t in run.tasks())
    assert {json.loads(t["result"])["pipe"] for t in run.tasks()} == {""}
    assert any("did not start" in m for m in events(run, "gpu_sharing"))


def test_without_nvml_no_gpu_samples_and_nothing_said(supervisor, write_yaml, tmp_path, monkeypatch):
    monkeypatch.setenv("SV_NVML_LIBRARY", str(tmp_path / "libnvidia-ml.so.1"))  # absent, as on a CPU node
    monkeypatch.setenv("SV_GPU_SAMPLE_S", "0.05")
    wf = write_yaml(workflow(tmp_path, "workers: 2, workers_per_gpu: 2, heartbeat_s: 0"))
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'gpu_samples'").fetchone()[0] == 0
    said = run.stderr.lower()
    assert "nvml" not in said and "nvidia-ml" not in said and "telemetry" not in said, run.stderr
    status = supervisor("status", run.out_dir, "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["gpus"] == []
