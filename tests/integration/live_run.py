"""Helpers for tests that act on a run while it runs: start `supervisor run` in the background, wait on
what its store records (never on the clock), find every process of the job."""
import os
import pathlib
import signal
import sqlite3
import subprocess
import time

from conftest import BINARY


def start(tmp_path, *args, out="run", env=None):
    """`supervisor ARGS... --out tmp_path/out` in the background; returns (Popen, out_dir)."""
    out_dir = tmp_path / out
    argv = [str(BINARY), *map(str, args)]
    if args and args[0] == "run":
        argv += ["--out", str(out_dir)]
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    return proc, out_dir


def query(out_dir, sql):
    """Rows of `sql` on the run's store, [] while the store does not exist yet or is locked."""
    db = pathlib.Path(out_dir) / "supervisor.db"
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return []


def wait_until(predicate, proc=None, timeout=120, what="the condition"):
    """Polls `predicate` until it is true; fails if `proc` ends first or the safety timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the run ended (status {proc.returncode}) before {what}:\n{err}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def running_tasks(out_dir):
    return query(out_dir, "SELECT node_id FROM tasks WHERE status = 'running'")


def descendants(pid):
    """Every process below `pid`, from /proc (ranks run in process groups of their own)."""
    children = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    out, frontier = [], [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            out.append(child)
            frontier.append(child)
    return out


def signal_all(proc, sig):
    """`sig` to the launcher and every process of its job at once, as a scheduler does."""
    for pid in [proc.pid, *descendants(proc.pid)]:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def finish(proc, timeout=180):
    """Waits for the background run; returns (returncode, stdout, stderr)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_all(proc, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"the run did not end within {timeout} s:\n{err}")
    return proc.returncode, out, err
