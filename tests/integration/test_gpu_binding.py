"""GPU binding at rank start, under real mpiexec: with the variables a site's job.sh exports, each worker's
model sees only its own GPU in CUDA_VISIBLE_DEVICES (from its node-local rank, the server counted on the
first node). No GPU is needed: the variables are what is checked (the server's empty binding is a unit test).
Each task's device and the GPU telemetry are checked here too, the latter through a stand-in NVML."""
import json
import subprocess

from conftest import MODELS


def probe_sweep(tmp_path, write_yaml):
    """8 tasks on 3 workers of a model that answers with the CUDA_VISIBLE_DEVICES it sees (x = 5 fails,
    naming it)."""
    (tmp_path / "gpu_probe.py").write_text(
        "import os\n"
        "def run(params):\n"
        "    if params['x'] == 5:\n"
        "        raise ValueError('bad x on ' + os.environ['CUDA_VISIBLE_DEVICES'])\n"
        "    return {'val_loss': 0.0, 'visible': os.environ.get('CUDA_VISIBLE_DEVICES')}\n")
    return write_yaml(f"""
workflow: sweep
model: {{kind: python, entry: "gpu_probe:run", python_path: ["{tmp_path}"]}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5, 6, 7]}}}}
resources: {{workers: 3}}
""")


def test_each_worker_sees_its_own_gpu_and_the_server_none(supervisor, write_yaml, tmp_path, monkeypatch):
    wf = probe_sweep(tmp_path, write_yaml)
    monkeypatch.setenv("SV_GPUS_PER_WORKER", "1")
    monkeypatch.setenv("SV_GPUS_PER_NODE", "4")
    monkeypatch.setenv("SV_GPU_VENDOR", "nvidia")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")  # what a node offers before binding
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    seen = {t["worker"]: json.loads(t["result"])["visible"] for t in run.tasks() if t["status"] == "done"}
    # One node: the server is local rank 0, workers 1..3 take GPU slots 0..2.
    assert all(seen[w] == str(w - 1) for w in seen), seen
    assert "rank 1 (local 1, slot 0): CUDA_VISIBLE_DEVICES=0" in run.stderr


def test_each_task_records_the_device_its_worker_was_bound_to(supervisor, write_yaml, tmp_path, monkeypatch):
    """Two workers packed per GPU (slots 0, 1 on GPU 0, slot 2 on GPU 1): the store shows, for every task, the
    GPU its worker was bound to (from the worker's hello), and export, status and report show it too."""
    wf = probe_sweep(tmp_path, write_yaml)
    monkeypatch.setenv("SV_GPUS_PER_WORKER", "1")
    monkeypatch.setenv("SV_WORKERS_PER_GPU", "2")
    monkeypatch.setenv("SV_GPUS_PER_NODE", "2")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        workers = {r["rank"]: r["devices"] for r in con.execute("SELECT rank, devices FROM workers")}
        devices = dict(con.execute("SELECT task_id, devices FROM task_devices").fetchall())
    # Workers that joined before the sweep ended (a task goes only to a worker whose hello arrived).
    assert workers and all(workers[rank] == {1: "0", 2: "0", 3: "1"}[rank] for rank in workers), workers
    tasks = run.tasks()
    assert len(tasks) == 8 and set(devices) == {t["id"] for t in tasks}
    for t in tasks:
        seen = json.loads(t["result"])["visible"] if t["status"] == "done" else t["error"].split(" on ")[1][0]
        assert devices[t["id"]] == seen == workers[t["worker"]], t

    exported = supervisor("export", run.out_dir, "--format", "json", "--out", "-")
    assert exported.returncode == 0, exported.stderr
    assert {r["task_id"]: r["device"] for r in json.loads(exported.stdout)["tasks"]} == devices

    status = supervisor("status", run.out_dir, "--json")
    assert status.returncode == 0, status.stderr
    failure = json.loads(status.stdout)["failures"][0]
    assert failure["device"] == workers[failure["worker"]]

    report = supervisor("report", run.out_dir, "--out", tmp_path / "report.html")
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report.html").read_text()
    assert '<section id="gpus">' in page and "tasks done" in page
    for t in tasks:
        assert f"{t['host']} gpu {devices[t['id']]}" in page


def test_gpu_telemetry_samples_each_node_once(supervisor, write_yaml, tmp_path, monkeypatch):
    """GPU telemetry end to end with a stand-in NVML (tests/integration/models/fake_nvml.c): on one node the
    server samples it and its workers do not (on other nodes the worker of local rank 0 would), so every
    reading comes from one process that is no worker, with the node's host."""
    lib = tmp_path / "libfake-nvml.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(MODELS / "fake_nvml.c")], check=True,
                   timeout=120)
    wf = probe_sweep(tmp_path, write_yaml)
    monkeypatch.setenv("SV_NVML_LIBRARY", str(lib))
    monkeypatch.setenv("SV_GPU_SAMPLE_S", "0.2")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        samples = con.execute("SELECT host, gpu, uuid, busy, memory_used FROM gpu_samples").fetchall()
        worker_pids = {pid for (pid,) in con.execute("SELECT pid FROM workers")}
        (host,), = con.execute("SELECT host FROM sessions").fetchall()
    assert samples, "no GPU readings recorded"
    assert {(s["host"], s["gpu"], s["busy"]) for s in samples} == {(host, 0, 0.4), (host, 1, 0.6)}
    assert {s["memory_used"] for s in samples if s["gpu"] == 1} == {2 << 30}
    samplers = {int(s["uuid"].split("-")[2]) for s in samples}
    assert len(samplers) == 1 and not samplers & worker_pids, (samplers, worker_pids)
