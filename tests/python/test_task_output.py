"""A task's output goes to its folder's stdout.log / stderr.log at the file-descriptor level, and the
worker's own descriptors come back after the call, also when the model raises. Run in a child Python, as
a worker's interpreter is (pytest's own capture would stand in for sys.stdout)."""
import json
import subprocess
import sys
import textwrap

WORKER = textwrap.dedent("""
    import json, os, subprocess, sys
    from model_runner.runner import ModelSlot

    def noisy(params):
        print("print line")
        os.write(1, b"fd line\\n")
        subprocess.run([sys.executable, "-c", "print('child line')"], check=True)
        print("err line", file=sys.stderr)
        if params.get("fail"):
            raise ValueError("asked to fail")
        return 1.0

    task_files, folder = sys.argv[1] == "1", sys.argv[2]
    before = [os.fstat(fd).st_ino for fd in (1, 2)]
    slot = ModelSlot({"entry": noisy, "task_files": task_files, "objective": {"metric": "val_loss"}})
    results = []
    for attempt, fail in ((1, False), (2, True)):
        ok, *_ = slot.run(attempt, "n", attempt, {"fail": fail}, task_dir=f"{folder}/t{attempt}")
        results.append(ok)
    print("after the tasks")
    sys.stdout.flush()
    os.write(2, (json.dumps({"ok": results, "same_fds": before == [os.fstat(fd).st_ino for fd in (1, 2)]})
                 + "\\n").encode())
""")


def worker(tmp_path, task_files):
    proc = subprocess.run([sys.executable, "-c", WORKER, "1" if task_files else "0", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr.splitlines()[-1], proc.stderr


def test_output_of_every_layer_lands_in_the_task_folder_and_the_fds_come_back(tmp_path):
    out, last, err = worker(tmp_path, task_files=True)
    assert json.loads(last) == {"ok": [True, False], "same_fds": True}
    for attempt in (1, 2):
        folder = tmp_path / f"t{attempt}"
        assert (folder / "stdout.log").read_text().splitlines() == ["print line", "fd line", "child line"]
        assert (folder / "stderr.log").read_text() == "err line\n"
    assert out == "after the tasks\n"
    assert "line" not in err


def test_without_task_files_output_stays_where_it_was(tmp_path):
    out, last, err = worker(tmp_path, task_files=False)
    assert out.count("fd line") == 2 and "after the tasks" in out
    assert not (tmp_path / "t1").exists()
