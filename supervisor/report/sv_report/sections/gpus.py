"""GPUs: each GPU's busy fraction over time (the supervisor's NVML samples, store table gpu_samples) drawn
beside the number of models running, each GPU's mean busy fraction and peak memory, and the tasks each
device ran (the GPUs their workers were bound to). Absent for a run that saw no GPU and bound none."""
import numpy as np

from .. import markup as m
from .. import plots
from ..registry import section
from .utilization import concurrency, intervals, time_unit


@section("gpus", "GPUs", order=25)
def render(run):
    per_device = device_table(run)
    if not run.gpu_samples:
        return per_device
    t0 = run.t0
    by_gpu = {}
    for s in run.gpu_samples:
        by_gpu.setdefault((s["host"], s["gpu"]), []).append(s)
    span = max(run.end, max(s["time"] for s in run.gpu_samples)) - t0
    scale, unit = time_unit(span)

    fig, ax = plots.figure(7.5, 3.0)
    for (host, gpu), rows in sorted(by_gpu.items()):
        x = (np.array([r["time"] for r in rows]) - t0) / scale
        ax.plot(x, [100 * r["busy"] for r in rows], linewidth=1.2, label=f"{host} gpu {gpu} busy")
    ax.set_ylim(0, 105)
    ax.set_ylabel("GPU busy (%)")
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_xlim(left=0)
    ivs = intervals(run)
    if ivs:
        times, counts = concurrency([(s, e) for s, e, _ in ivs])
        right = ax.twinx()
        x = (np.concatenate([times, [max(run.end, times[-1])]]) - t0) / scale
        right.step(x, np.concatenate([counts, [counts[-1]]]), where="post", color="#888888", linestyle="--",
                   linewidth=1, label="models running")
        right.set_ylabel("models running")
        right.set_ylim(0, max(int(counts.max()), 1) * 1.15 + 0.5)
        right.legend(loc="upper left", fontsize=8)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("GPU busy over time, beside models running")

    gib = 1024.0 ** 3
    rows = [[f"{host} gpu {gpu}", len(r), f"{np.mean([x['busy'] for x in r]):.1%}",
             f"{max(x['memory_used'] for x in r) / gib:.1f} of {r[-1]['memory_total'] / gib:.1f} GiB"]
            for (host, gpu), r in sorted(by_gpu.items())]
    return "\n".join([m.table(["GPU", "samples", "mean busy", "peak memory"], rows, numeric=(1, 2)),
                      plots.embed(fig, "GPU busy over time")] + ([per_device] if per_device else []))


def device_table(run):
    """Tasks per (host, device) their latest attempt ran on; None when no task has a device."""
    by_device = {}
    for t in run.tasks:
        if t.device:
            by_device.setdefault((t.host, t.device), []).append(t)
    if not by_device:
        return None
    rows = []
    for (host, device), tasks in sorted(by_device.items()):
        durations = [t.duration for t in tasks if t.status == "done" and t.duration is not None]
        rows.append([f"{host} gpu {device}", sum(t.status == "done" for t in tasks),
                     sum(t.status == "failed" for t in tasks),
                     f"{np.mean(durations):.1f}" if durations else "–"])
    return m.table(["device (worker's visible GPUs)", "tasks done", "failed", "mean s per task"], rows,
                   numeric=(1, 2, 3))
