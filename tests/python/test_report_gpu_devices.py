"""sv_report's GPU section lists the tasks each device ran (from the store's task_devices), also for a run
that bound GPUs but sampled none, and is absent when no task has a device and no GPU was sampled."""
import pathlib
import sys
import time

REPORT_DIR = pathlib.Path(__file__).resolve().parents[2] / "supervisor" / "report"
sys.path.insert(0, str(REPORT_DIR))

from sv_report import RunData, Task  # noqa: E402
from sv_report.page import render_page  # noqa: E402
from sv_runstore import Objective  # noqa: E402


def run_with_devices(devices):
    t0 = time.time() - 100
    tasks = [Task(id=i, node_id=str(i), model="m", params={"x": i}, status="failed" if i == 3 else "done",
                  attempts=1, worker=1 + i % 2, host="node1", submit_time=t0, dispatch_time=t0 + i,
                  start_time=t0 + i, end_time=t0 + i + 2, objective=None if i == 3 else float(i),
                  result={"acc": float(i)}, error="ValueError: x" if i == 3 else "", device=d)
             for i, d in enumerate(devices, start=1)]
    return RunData(run_dir=pathlib.Path("/tmp/nowhere"),
                   run={"name": "r", "workflow": "sweep", "status": "done", "created": t0, "updated": t0 + 20,
                        "spec_path": ""},
                   sessions=[], tasks=tasks, metrics=[], events=[], spec={},
                   objectives=[Objective("acc", "maximize")], now=t0 + 20)


def test_gpu_section_counts_tasks_per_device_without_samples():
    page, failed = render_page(run_with_devices(["0", "1", "0", "1"]), strict=True)
    assert failed == [] and '<section id="gpus">' in page
    assert "node1 gpu 0" in page and "node1 gpu 1" in page
    row0 = page[page.index("node1 gpu 0"):].split("</tr>")[0]
    assert ">1<" in row0 and row0.count('class="num"') == 3  # 1 done, 1 failed (task 3), a mean


def test_no_device_and_no_samples_means_no_gpu_section():
    page, failed = render_page(run_with_devices(["", "", ""]), strict=True)
    assert failed == [] and 'id="gpus"' not in page
