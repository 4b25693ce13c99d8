#!/usr/bin/env python3
"""Does a job across several hosts start every time? Starts the three-host test cluster
(tests/integration/slurm/start-cluster.sh: Slurm hosts n1..n3 in network namespaces on one machine), then
submits the same 24-task sweep `--runs` times in a row with `supervisor submit --site local-cluster
--nodes 3` (7 ranks: 3 on n1, 2 on n2, 2 on n3), one job after the other, each waited for through
`scontrol show job`. A run counts as good when the job COMPLETED with exit 0, the store says done, every
task is done and all three hosts ran tasks. `--transport ob1` replaces the site's transport (libfabric's
TCP provider under the cm PML) by Open MPI's ob1 over btl/tcp, what the site used before, for comparison.
`--program mpi-start` runs bin/sv-bench-mpi-start (MPI_Init, then an all-to-all at once) under
`srun -N 3 -n 7` with the transport's environment instead of a supervisor job: the start-up race in its
barest form (good = exit 0 and every value right).

    /usr/bin/python3 benchmarks/multihost_loop.py [--runs 20] [--transport site|ob1]
                                                  [--program supervisor|mpi-start] [--json FILE]
`SV_BUILD_DIR` picks the build whose bin/supervisor and bin/sv-bench-mpi-start run.
Exit status 1 when any run was not good. Needs root and a build (bin/supervisor).
"""
import argparse
import json
import pathlib
import platform
import signal
import subprocess
import sys
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "slurm"))
from slurm_control import BUILD, MODELS, Cluster, read_db  # noqa: E402

SWEEP = f"""
workflow: sweep
model: {{kind: python, entry: "cluster_models:quadratic", python_path: ["{MODELS}"]}}
sweep: {{grid: {{x: [0, 1, 2, 3, 4, 5], y: [-3, -2, -1, 0]}}}}
resources: {{workers: 6}}
"""
SITE = ROOT / "site_configs" / "local-cluster.yaml"
# The transport the site used before: Open MPI's ob1 over btl/tcp on the bridge's subnet (vader on a host).
OB1_ENV = {"OMPI_MCA_pml": "ob1", "OMPI_MCA_btl": "self,vader,tcp", "OMPI_MCA_btl_tcp_if_include": "10.77.18.0/24"}


def transport_env(transport):
    return yaml.safe_load(SITE.read_text())["env"] if transport == "site" else OB1_ENV


def site_file(cluster, transport):
    """The --site argument: the shipped site, or a copy of it whose env section is the ob1 one."""
    if transport == "site":
        return "local-cluster"
    site = yaml.safe_load(SITE.read_text())
    site["env"] = OB1_ENV
    path = cluster.shared / "local-cluster-ob1.yaml"
    path.write_text(yaml.safe_dump(site))
    return str(path)


def first_error(log):
    """The first line of a job's output that says what went wrong ("" when none does)."""
    if not log.exists():
        return "no job output"
    for line in log.read_text(errors="replace").splitlines():
        if any(word in line for word in ("failed", "Segmentation", "error", "Error")):
            return line.strip()[:200]
    return ""


def one_run(cluster, site, wf, k):
    run_dir = cluster.run_dir(f"loop-{k:03d}")
    t0 = time.monotonic()
    proc = cluster.submit(wf, "--site", site, "--nodes", 3, "--out", run_dir)
    if proc.returncode != 0:
        return {"run": k, "good": False, "error": proc.stderr.strip()[:300]}
    (job_id,), = read_db(run_dir, "SELECT job_id FROM submissions")
    state = cluster.wait_job(job_id, timeout=300)
    wall = time.monotonic() - t0
    exit_code = cluster.job(job_id).get("ExitCode")
    status = read_db(run_dir, "SELECT status FROM runs")[0][0]
    rows = read_db(run_dir, "SELECT status, host FROM tasks")
    hosts = sorted({h for s, h in rows if s == "done"})
    done = sum(1 for s, _ in rows if s == "done")
    good = state == "COMPLETED" and exit_code == "0:0" and status == "done" and done == 24 and hosts == cluster.hosts
    out = {"run": k, "job": job_id, "good": good, "state": state, "exit_code": exit_code, "run_status": status,
           "tasks_done": done, "hosts": hosts, "wall_s": round(wall, 2)}
    if not good:
        out["error"] = first_error(run_dir / f"job-{job_id}.out")
    return out


def mpi_start_run(cluster, env, k, timeout_s=60):
    """One bare srun of sv-bench-mpi-start; a step still running after `timeout_s` counts as hung and is
    cancelled as a user would (SIGINT twice makes srun cancel its step)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(["srun", "-N", "3", "-n", "7", "--mpi=pmix", "--overcommit", "--kill-on-bad-exit=1",
                             str(BUILD / "bin" / "sv-bench-mpi-start")],
                            env={**cluster.env, **env}, cwd=cluster.shared, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    hung = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        hung = True
        for _ in range(2):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.5)
        stdout, stderr = proc.communicate(timeout=60)
    good = not hung and proc.returncode == 0 and "7 ranks, 0 wrong values" in stdout
    out = {"run": k, "good": good, "exit_code": proc.returncode, "hung": hung,
           "wall_s": round(time.monotonic() - t0, 2)}
    if not good:
        lines = [ln.strip() for ln in stderr.splitlines() if any(w in ln for w in ("failed", "Segmentation", "error"))]
        out["error"] = (f"hung for {timeout_s} s; " if hung else "") + " | ".join(lines[:3])[:300]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--transport", choices=["site", "ob1"], default="site")
    ap.add_argument("--program", choices=["supervisor", "mpi-start"], default="supervisor")
    ap.add_argument("--json", type=pathlib.Path, default=None)
    args = ap.parse_args()
    name = "multihost_loop" + ("" if args.program == "supervisor" else "_mpi_start") + (
        "" if args.transport == "site" else "_ob1")
    args.json = args.json or ROOT / "benchmarks" / "results" / f"{name}.json"

    cluster = Cluster(hosts=3)
    runs = []
    t0 = time.monotonic()
    try:
        cluster.start()
        start_s = time.monotonic() - t0
        site = site_file(cluster, args.transport)
        wf = cluster.shared / "loop.yaml"
        wf.write_text(SWEEP)
        for k in range(1, args.runs + 1):
            if args.program == "supervisor":
                runs.append(one_run(cluster, site, wf, k))
            else:
                runs.append(mpi_start_run(cluster, transport_env(args.transport), k))
            r = runs[-1]
            print(f"run {k:3d}: {'good' if r['good'] else 'BAD '} {r.get('state')} {r.get('wall_s')} s "
                  f"{r.get('error', '')}", flush=True)
    finally:
        cluster.stop()
    good = sum(r["good"] for r in runs)
    walls = sorted(r["wall_s"] for r in runs if "wall_s" in r)
    result = {
        "benchmark": "multihost_loop",
        "command": " ".join(["/usr/bin/python3", "benchmarks/multihost_loop.py", "--runs", str(args.runs),
                             "--transport", args.transport, "--program", args.program]),
        "transport": args.transport, "transport_env": transport_env(args.transport), "program": args.program,
        "machine": platform.node(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "hosts": 3, "ranks": 7, "tasks_per_run": 24 if args.program == "supervisor" else None,
        "cluster_start_s": round(start_s, 1),
        "runs": len(runs), "good": good,
        "median_wall_s": walls[len(walls) // 2] if walls else None,
        "per_run": runs,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{good} of {len(runs)} runs good ({args.program}, {args.transport} transport); {args.json}")
    return 0 if good == len(runs) == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
