"""GPU binding at rank start, under real mpiexec: with the variables a site's job.sh exports, each worker's
model sees only its own GPU in CUDA_VISIBLE_DEVICES (from its node-local rank, the server counted on the
first node). No GPU is needed: the variables are what is checked (the server's empty binding is a unit test)."""
import json


def test_each_worker_sees_its_own_gpu_and_the_server_none(supervisor, write_yaml, tmp_path, monkeypatch):
    (tmp_path / "gpu_probe.py").write_text(
        "import os\n"
        "def run(params):\n"
        "    return {'val_loss': 0.0, 'visible': os.environ.get('CUDA_VISIBLE_DEVICES')}\n")
    wf = write_yaml(f"""
workflow: sweep
model: {{kind: python, entry: "gpu_probe:run", python_path: ["{tmp_path}"]}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5, 6, 7]}}}}
resources: {{workers: 3}}
""")
    monkeypatch.setenv("SV_GPUS_PER_WORKER", "1")
    monkeypatch.setenv("SV_GPUS_PER_NODE", "4")
    monkeypatch.setenv("SV_GPU_VENDOR", "nvidia")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")  # what a node offers before binding
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    seen = {t["worker"]: json.loads(t["result"])["visible"] for t in run.tasks()}
    # One node: the server is local rank 0, workers 1..3 take GPU slots 0..2.
    assert all(seen[w] == str(w - 1) for w in seen), seen
    assert "rank 1 (local 1, slot 0): CUDA_VISIBLE_DEVICES=0" in run.stderr
