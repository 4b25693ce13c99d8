"""Campaigns across three hosts: `supervisor submit --site local-cluster --nodes 3` sends each to a real
Slurm whose hosts n1..n3 are network namespaces of this machine (start-cluster.sh). One job has 3 × 2
workers + the server: ranks 0-2 on n1, 3-4 on n2, 5-6 on n3. Every check reads the run's store: each task
row names the host it ran on (and the model, asked itself, agrees), every host did work, a seeded search
proposes what it proposes on one host, sublearning children get their parent's weights from memory on the
parent's worker and from its file elsewhere, and GPU binding counts local ranks per host."""
import json

from slurm_support import MODELS, ROOT, cluster, read_db  # noqa: F401 (fixture)

HOSTS = {"n1", "n2", "n3"}
# 24 tasks of ~80 ms: long enough to be dispatched one per worker, so all 6 workers get some.
SWEEP = """
workflow: sweep
model: {kind: python, entry: "cluster_models:quadratic", python_path: ["@MODELS@"]}
sweep: {grid: {x: [0, 1, 2, 3, 4, 5], y: [-3, -2, -1, 0]}}
resources: {workers: 6}
"""


def write(cluster, name, text):
    path = cluster.shared / name
    path.write_text(text.replace("@MODELS@", str(MODELS)))
    return path


def run_on_cluster(cluster, workflow, name, site="local-cluster"):
    """Submits the workflow to 3 hosts, waits for the job through scontrol; returns the run directory."""
    run_dir = cluster.run_dir(name)
    proc = cluster.submit(workflow, "--site", site, "--nodes", 3, "--out", run_dir)
    assert proc.returncode == 0, proc.stderr
    (job_id,), = read_db(run_dir, "SELECT job_id FROM submissions")
    state = cluster.wait_job(job_id)
    log = run_dir / f"job-{job_id}.out"
    assert state == "COMPLETED", log.read_text() if log.exists() else f"no {log}"
    assert read_db(run_dir, "SELECT status FROM runs") == [("done",)]
    # One session of 6 workers, served from the first host.
    assert read_db(run_dir, "SELECT workers, host, status FROM sessions") == [(6, "n1", "done")]
    return run_dir


def tasks(run_dir):
    rows = read_db(run_dir, "SELECT node_id, status, worker, host, params, result FROM tasks ORDER BY id")
    return [dict(node=n, status=s, worker=w, host=h, params=json.loads(p), result=json.loads(r))
            for n, s, w, h, p, r in rows]


def assert_rows_name_real_hosts(rows):
    assert {t["status"] for t in rows} == {"done"}
    for t in rows:
        assert t["host"] == t["result"]["host"], t  # the store's host is where the model ran
    assert {t["host"] for t in rows} == HOSTS
    by_host = {}
    for t in rows:
        by_host.setdefault(t["host"], set()).add(t["worker"])
    # Workers 1-2 live on n1 with the server, 3-4 on n2, 5-6 on n3.
    assert by_host["n1"] <= {1, 2} and by_host["n2"] <= {3, 4} and by_host["n3"] <= {5, 6}, by_host


def test_a_sweep_submitted_to_three_hosts_runs_tasks_on_every_host(cluster):
    wf = write(cluster, "sweep.yaml", SWEEP)
    rows = tasks(run_on_cluster(cluster, wf, "sweep"))
    assert len(rows) == 24
    assert_rows_name_real_hosts(rows)
    assert sorted((t["params"]["x"], t["params"]["y"], t["result"]["val_loss"]) for t in rows) == sorted(
        (x, y, (x - 1) ** 2 + (y + 2) ** 2) for x in range(6) for y in (-3, -2, -1, 0))


def test_a_seeded_search_on_three_hosts_proposes_what_it_proposes_on_one(cluster, supervisor, tmp_path):
    text = """
name: cluster-hpo
workflow: hpo
model: {kind: python, entry: "cluster_models:quadratic", python_path: ["@MODELS@"]}
space:
  x: {type: float, low: -2.0, high: 4.0}
  y: {type: int, low: -4, high: 2}
optimizer: {name: random, max_evals: 18, seed: 11}
objective: {metric: val_loss, goal: minimize}
resources: {workers: @WORKERS@}
"""
    rows = tasks(run_on_cluster(cluster, write(cluster, "hpo.yaml", text.replace("@WORKERS@", "6")), "hpo"))
    assert len(rows) == 18
    assert_rows_name_real_hosts(rows)
    one_host_wf = tmp_path / "hpo.yaml"
    one_host_wf.write_text(text.replace("@WORKERS@", "2").replace("@MODELS@", str(MODELS)))
    local = supervisor("run", one_host_wf)
    assert local.returncode == 0, local.stderr
    one_host = [json.loads(t["params"]) for t in local.tasks()]
    assert sorted((p["x"], p["y"]) for p in one_host) == sorted((t["params"]["x"], t["params"]["y"]) for t in rows)


def test_sublearning_children_on_another_host_read_their_parents_weights_from_file(cluster):
    # N=3, S=3: 3 + 9 + 27 = 39 nodes, enough to keep all 6 workers busy; each child starts from its
    # parent's weights (w = the sum of the stages so far).
    wf = write(cluster, "sub.yaml", """
name: cluster-sub
workflow: sublearning
model: {kind: python, entry: "cluster_models:sublearner", python_path: ["@MODELS@"]}
sublearning: {N: 3, S: 3, strategy: LINE, max_epochs: 3, keys: 60, seed: 5}
objective: {metric: val_loss, goal: minimize}
resources: {workers: 6}
""")
    rows = {t["node"]: t for t in tasks(run_on_cluster(cluster, wf, "sub"))}
    assert len(rows) == 39
    assert_rows_name_real_hosts(list(rows.values()))
    crossed = 0
    for node, t in rows.items():
        stage = node.count(".") + 1
        assert t["result"]["w"] == stage * (stage + 1) / 2, node  # 1, 1+2, 1+2+3: the parent's weights arrived
        if stage == 1:
            assert t["result"]["weights_source"] == "none"
            continue
        parent = rows[node.rsplit(".", 1)[0]]
        same_worker = t["worker"] == parent["worker"]
        assert t["result"]["weights_source"] == ("memory" if same_worker else "file"), (node, t, parent)
        crossed += t["host"] != parent["host"]
    assert crossed > 0, "no child ran on another host than its parent"


def test_gpu_binding_counts_local_ranks_on_each_host(cluster):
    site = write(cluster, "gpu-cluster.yaml",
                 (ROOT / "site_configs" / "local-cluster.yaml").read_text() +
                 "gpus_per_node: 4\ngpus_per_worker: 1\ngpu_vendor: nvidia\n")
    wf = write(cluster, "gpu.yaml", SWEEP)
    rows = tasks(run_on_cluster(cluster, wf, "gpu", site=str(site)))
    assert_rows_name_real_hosts(rows)
    seen = {}
    for t in rows:
        r = t["result"]
        # The server (local rank 0 of n1) takes no GPU, so n1's workers are local ranks 1, 2 on GPUs 0, 1;
        # on n2 and n3 the workers are local ranks 0, 1 on GPUs 0, 1.
        local = int(r["local_rank"])
        assert r["visible"] == str(local - 1 if t["host"] == "n1" else local), t
        seen.setdefault(t["host"], set()).add(r["visible"])
    assert all(seen[h] <= {"0", "1"} for h in HOSTS), seen
