#!/usr/bin/env python3
"""Peer benchmarks: the same no-op (and small NumPy) tasks through Dask distributed and mpi4py.futures, and a
fresh python3 per task, to set beside the supervisor's own figures (foundation.py). Median, min and max of
`--runs` runs; every run starts its own cluster / MPI job (start-up is never timed).

    /usr/bin/python3 benchmarks/peers.py [--workers 1 4] [--runs 5] [--json benchmarks/results/peers.json]
                                         [--only dask mpi4py fresh] [--no-numpy]

What each figure measures (all times with time.perf_counter, on the submitting process):

- `dask_noop_tps_<W>w`: Dask distributed 2022.12, `LocalCluster(n_workers=W, threads_per_worker=1,
  processes=True)` + `Client`. After a warm-up batch, `client.map(noop, list(range(N)), pure=False)` then
  `client.gather(...)`: N / seconds from the first submit to the last result back.
- `dask_noop_tps_unqueued_<W>w`: the same (2,000 tasks) in a cluster with `distributed.scheduler.worker-saturation: inf`.
  Dask 2022.12's default (1.1) queues tasks on the scheduler and hands a worker at most ceil(1.1 x threads)
  at a time, so with one thread per worker each refill waits on the batched streams (client 10 ms,
  scheduler 5 ms, worker 2 ms intervals); without queuing Dask is several times faster here.
- `dask_roundtrip_us`: same cluster (the smallest W asked for, normally 1): `client.submit(noop, i,
  pure=False).result()` one at a time, median microseconds per task. The client batches what it sends to the
  scheduler every 10 ms (hard-coded in distributed 2022.12), which sets this figure at ~10 ms.
- `dask_numpy_tps_<W>w`: as dask_noop_tps, the task being `import numpy as np; return
  float(np.arange(1000).sum())` (numpy is imported on every worker by a warm-up batch first).
- `mpi4py_noop_tps_<W>w`: mpi4py 3.1.4 `mpi4py.futures.MPIPoolExecutor` over W worker ranks, started as
  `mpiexec -n W+1 --oversubscribe --bind-to none python3 -m mpi4py.futures peers.py --mpi4py-child ...`
  (the pool comes from COMM_WORLD; nothing is spawned). After a warm-up, `list(executor.map(noop,
  range(N), chunksize=1))` (one task per message, as the supervisor dispatches): N / seconds.
- `mpi4py_noop_tps_chunked_<W>w`: the same with chunksize=MPI4PY_CHUNK (100 tasks per message).
- `mpi4py_roundtrip_us`: `executor.submit(noop, i).result()` one at a time, median microseconds
  (smallest W). mpi4py's waits sleep with a backoff capped at 1 ms, which shows in this figure.
- `mpi4py_numpy_tps_<W>w`: as mpi4py_noop_tps (chunksize 1) with the NumPy task.
- `fresh_python_numpy_tps`: `/usr/bin/python3 -c "import numpy; print(numpy.arange(1000).sum())"` run as a
  fresh subprocess per task, one after another: tasks / seconds.

Each measurement runs in a child process of its own session with a time limit; on error or time-out the
whole process group (Dask nannies and workers, mpiexec and its ranks) is killed.
"""
import argparse
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import median_spread  # noqa: E402

PY = "/usr/bin/python3"
ROOT = HERE.parent

# Task counts: chosen so that the default run (--runs 5 --workers 1 4) stays under ~3 minutes on 2 cores.
DASK_TASKS = 1000
DASK_NUMPY_TASKS = 500
DASK_UNQUEUED_TASKS = 2000
DASK_ROUNDTRIPS = 100
MPI4PY_TASKS = 5000
MPI4PY_NUMPY_TASKS = 3000
MPI4PY_ROUNDTRIPS = 500
MPI4PY_CHUNK = 100
FRESH_TASKS = 15
CHILD_TIMEOUT = 120  # seconds for one child (cluster start, measurement, shutdown)


def noop(i):
    return i


def numpy_task(i):
    import numpy as np
    return float(np.arange(1000).sum())


# --- running children with bounded time and full clean-up ---------------------------------------------------

def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _run_child(argv, timeout=CHILD_TIMEOUT, env=None):
    """Runs argv in a new session; returns the dict from the last JSON line of its stdout.

    The child's process group (and so anything it started) is killed on time-out, on error, and after it
    exits (stragglers)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        raise RuntimeError(f"{' '.join(argv[:6])}... timed out after {timeout} s; stderr: {err[-1500:]}")
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        _kill_group(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])}... exited {proc.returncode}; stderr: {err[-1500:]}")
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON line from child; stdout: {out[-500:]} stderr: {err[-1500:]}")


def _mpi_env():
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env.setdefault("OMPI_MCA_btl", "self,vader")
    env.setdefault("OMPI_MCA_oob_tcp_if_include", "lo")
    return env


# --- Dask ----------------------------------------------------------------------------------------------------

def _dask_measure(workers, tasks, numpy_tasks, roundtrips, queued=1):
    """Runs in the child process: one LocalCluster, all Dask figures for it."""
    import logging
    import warnings
    warnings.simplefilter("ignore")
    import dask
    from distributed import Client, LocalCluster
    if not queued:  # the scheduler of a LocalCluster lives in this process, so this reaches it
        dask.config.set({"distributed.scheduler.worker-saturation": "inf"})
    res = {"workers": workers, "worker_saturation": dask.config.get("distributed.scheduler.worker-saturation")}
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers, timeout=60)
        if tasks:
            client.gather(client.map(noop, list(range(min(tasks, 500))), pure=False))  # warm-up
            t0 = time.perf_counter()
            futures = client.map(noop, list(range(tasks)), pure=False)
            client.gather(futures)
            res["tps"] = tasks / (time.perf_counter() - t0)
            del futures
        if roundtrips:
            for i in range(10):
                client.submit(noop, i, pure=False).result()
            times = []
            for i in range(roundtrips):
                t0 = time.perf_counter()
                client.submit(noop, i, pure=False).result()
                times.append(time.perf_counter() - t0)
            res["roundtrip_us"] = statistics.median(times) * 1e6
        if numpy_tasks:
            client.gather(client.map(numpy_task, list(range(max(50, 10 * workers))), pure=False))  # warm-up
            t0 = time.perf_counter()
            futures = client.map(numpy_task, list(range(numpy_tasks)), pure=False)
            client.gather(futures)
            res["numpy_tps"] = numpy_tasks / (time.perf_counter() - t0)
            del futures
        print(json.dumps(res), flush=True)
    return res


def dask_bench(workers, tasks=DASK_TASKS, numpy_tasks=DASK_NUMPY_TASKS, roundtrips=DASK_ROUNDTRIPS,
               queued=True, timeout=CHILD_TIMEOUT):
    """All Dask figures from one cluster: {"tps", "roundtrip_us", "numpy_tps"} (those asked for).

    queued=False sets distributed.scheduler.worker-saturation to inf (no scheduler-side queuing)."""
    return _run_child([PY, str(HERE / "peers.py"), "--dask-child", str(workers), str(tasks), str(numpy_tasks),
                       str(roundtrips), str(int(bool(queued)))], timeout)


def dask_noop(workers, tasks=DASK_TASKS, roundtrips=DASK_ROUNDTRIPS):
    """{"tps": no-op tasks/s through client.map, "roundtrip_us": median one-task submit→result,
    "tps_unqueued": tps with worker-saturation inf}."""
    r = dask_bench(workers, tasks, 0, roundtrips)
    return {"tps": r["tps"], "roundtrip_us": r.get("roundtrip_us"),
            "tps_unqueued": dask_bench(workers, 2 * tasks, 0, 0, queued=False)["tps"]}


def dask_numpy(workers, tasks=DASK_NUMPY_TASKS):
    """{"tps": NumPy tasks/s through client.map}."""
    return {"tps": dask_bench(workers, 0, tasks, 0)["numpy_tps"]}


# --- mpi4py.futures ------------------------------------------------------------------------------------------

def _mpi4py_measure(tasks, numpy_tasks, roundtrips, chunk):
    """Runs on rank 0 under `python3 -m mpi4py.futures`: the pool is the other ranks of COMM_WORLD."""
    from mpi4py import MPI
    from mpi4py.futures import MPIPoolExecutor
    res = {"workers": MPI.COMM_WORLD.Get_size() - 1}
    with MPIPoolExecutor() as ex:
        list(ex.map(noop, range(500), chunksize=1))  # warm-up
        if tasks:
            t0 = time.perf_counter()
            list(ex.map(noop, range(tasks), chunksize=1))
            res["tps"] = tasks / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            list(ex.map(noop, range(tasks), chunksize=chunk))
            res["tps_chunked"] = tasks / (time.perf_counter() - t0)
            res["chunksize"] = chunk
        if roundtrips:
            times = []
            for i in range(roundtrips):
                t0 = time.perf_counter()
                ex.submit(noop, i).result()
                times.append(time.perf_counter() - t0)
            res["roundtrip_us"] = statistics.median(times) * 1e6
        if numpy_tasks:
            list(ex.map(numpy_task, range(max(50, 10 * res["workers"])), chunksize=1))  # warm-up
            t0 = time.perf_counter()
            list(ex.map(numpy_task, range(numpy_tasks), chunksize=1))
            res["numpy_tps"] = numpy_tasks / (time.perf_counter() - t0)
    print(json.dumps(res), flush=True)
    return res


def mpi4py_bench(workers, tasks=MPI4PY_TASKS, numpy_tasks=MPI4PY_NUMPY_TASKS, roundtrips=MPI4PY_ROUNDTRIPS,
                 chunk=MPI4PY_CHUNK, timeout=CHILD_TIMEOUT):
    """All mpi4py figures from one MPI job: {"tps", "tps_chunked", "roundtrip_us", "numpy_tps"}."""
    argv = ["mpiexec", "-n", str(workers + 1), "--oversubscribe", "--bind-to", "none",
            PY, "-m", "mpi4py.futures", str(HERE / "peers.py"), "--mpi4py-child",
            str(tasks), str(numpy_tasks), str(roundtrips), str(chunk)]
    return _run_child(argv, timeout, env=_mpi_env())


def mpi4py_noop(workers, tasks=MPI4PY_TASKS, roundtrips=MPI4PY_ROUNDTRIPS, chunk=MPI4PY_CHUNK):
    """{"tps": chunksize 1, "tps_chunked": chunksize `chunk`, "roundtrip_us": median one-task submit→result}."""
    r = mpi4py_bench(workers, tasks, 0, roundtrips, chunk)
    return {"tps": r["tps"], "tps_chunked": r["tps_chunked"], "roundtrip_us": r.get("roundtrip_us")}


def mpi4py_numpy(workers, tasks=MPI4PY_NUMPY_TASKS):
    """{"tps": NumPy tasks/s, chunksize 1}."""
    return {"tps": mpi4py_bench(workers, 0, tasks, 0)["numpy_tps"]}


# --- a fresh interpreter per task ----------------------------------------------------------------------------

def fresh_python_numpy(tasks=FRESH_TASKS, timeout=30):
    """{"tps": fresh `/usr/bin/python3 -c "import numpy; ..."` processes per second, one after another}."""
    argv = [PY, "-c", "import numpy; print(numpy.arange(1000).sum())"]
    subprocess.run(argv, check=True, capture_output=True, timeout=timeout)  # warm the page cache
    t0 = time.perf_counter()
    for _ in range(tasks):
        out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=timeout).stdout
        if out.strip() != "499500":
            raise RuntimeError(f"unexpected output {out!r}")
    return {"tps": tasks / (time.perf_counter() - t0)}


# --- CLI -----------------------------------------------------------------------------------------------------

DESCRIPTIONS = {
    "dask_noop_tps": "Dask no-op tasks/s (client.map)",
    "dask_noop_tps_unqueued": "Dask no-op tasks/s (client.map), worker-saturation inf",
    "dask_numpy_tps": "Dask NumPy tasks/s (client.map)",
    "dask_roundtrip_us": "Dask one-task round trip, us",
    "mpi4py_noop_tps": "mpi4py no-op tasks/s (map, chunksize 1)",
    "mpi4py_noop_tps_chunked": f"mpi4py no-op tasks/s (map, chunksize {MPI4PY_CHUNK})",
    "mpi4py_numpy_tps": "mpi4py NumPy tasks/s (map, chunksize 1)",
    "mpi4py_roundtrip_us": "mpi4py one-task round trip, us",
    "fresh_python_numpy_tps": "fresh python3 + import numpy per task, tasks/s",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", default=str(HERE / "results" / "peers.json"))
    ap.add_argument("--only", nargs="+", choices=["dask", "mpi4py", "fresh"], default=["dask", "mpi4py", "fresh"])
    ap.add_argument("--no-numpy", action="store_true", help="leave out the NumPy-task figures")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply task counts (for a quick look)")
    args = ap.parse_args()

    def n(count):
        return max(10, int(count * args.scale))

    samples = {}  # key -> list of values
    meta = {}     # key -> extra fields for the JSON row
    errors = []

    def add(key, value, workers=None, tasks=None):
        samples.setdefault(key, []).append(value)
        base = key.rsplit("_", 1)[0] if workers is not None and key.endswith(f"_{workers}w") else key
        meta[key] = {"description": DESCRIPTIONS.get(base, key), "workers": workers, "tasks": tasks}

    rt_workers = min(args.workers)
    t_start = time.perf_counter()
    for run in range(args.runs):
        for w in args.workers:
            rts = n(DASK_ROUNDTRIPS) if w == rt_workers else 0
            if "dask" in args.only:
                try:
                    r = dask_bench(w, n(DASK_TASKS), 0 if args.no_numpy else n(DASK_NUMPY_TASKS), rts)
                    add(f"dask_noop_tps_{w}w", r["tps"], w, n(DASK_TASKS))
                    if "numpy_tps" in r:
                        add(f"dask_numpy_tps_{w}w", r["numpy_tps"], w, n(DASK_NUMPY_TASKS))
                    if "roundtrip_us" in r:
                        add("dask_roundtrip_us", r["roundtrip_us"], w, rts)
                    r = dask_bench(w, n(DASK_UNQUEUED_TASKS), 0, 0, queued=False)
                    add(f"dask_noop_tps_unqueued_{w}w", r["tps"], w, n(DASK_UNQUEUED_TASKS))
                except Exception as e:  # noqa: BLE001 -- report, go on with the other peers
                    errors.append(f"dask {w}w run {run}: {e}")
                    print(errors[-1], file=sys.stderr, flush=True)
            if "mpi4py" in args.only:
                rts = n(MPI4PY_ROUNDTRIPS) if w == rt_workers else 0
                try:
                    r = mpi4py_bench(w, n(MPI4PY_TASKS), 0 if args.no_numpy else n(MPI4PY_NUMPY_TASKS), rts)
                    add(f"mpi4py_noop_tps_{w}w", r["tps"], w, n(MPI4PY_TASKS))
                    add(f"mpi4py_noop_tps_chunked_{w}w", r["tps_chunked"], w, n(MPI4PY_TASKS))
                    if "numpy_tps" in r:
                        add(f"mpi4py_numpy_tps_{w}w", r["numpy_tps"], w, n(MPI4PY_NUMPY_TASKS))
                    if "roundtrip_us" in r:
                        add("mpi4py_roundtrip_us", r["roundtrip_us"], w, rts)
                except Exception as e:  # noqa: BLE001
                    errors.append(f"mpi4py {w}w run {run}: {e}")
                    print(errors[-1], file=sys.stderr, flush=True)
        if "fresh" in args.only:
            try:
                add("fresh_python_numpy_tps", fresh_python_numpy(n(FRESH_TASKS))["tps"], None, n(FRESH_TASKS))
            except Exception as e:  # noqa: BLE001
                errors.append(f"fresh run {run}: {e}")
                print(errors[-1], file=sys.stderr, flush=True)
        print(f"run {run + 1}/{args.runs} done ({time.perf_counter() - t_start:.0f} s)", file=sys.stderr,
              flush=True)

    results = {}
    for key, values in samples.items():
        row = median_spread(values)
        row.update(meta[key])
        results[key] = row
        print(f"{key:32s} {row['median']:12.1f}  (min {row['min']:.1f}, max {row['max']:.1f}, "
              f"runs {row['runs']})  {row['description']}", flush=True)
    if args.json:
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    print(f"total {time.perf_counter() - t_start:.0f} s", file=sys.stderr)
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--dask-child":
        _dask_measure(*(int(a) for a in sys.argv[2:7]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--mpi4py-child":
        _mpi4py_measure(*(int(a) for a in sys.argv[2:6]))
    else:
        main()
