"""Fixtures for end-to-end runs: the real `supervisor` binary under real mpiexec, checked through the
run's SQLite file."""
import os
import pathlib
import sqlite3
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from pytest_no_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: E402,F401  (a skip fails)

BUILD = pathlib.Path(os.environ.get("SV_BUILD_DIR", ROOT / "build"))
BINARY = BUILD / "bin" / "supervisor"
MODELS = pathlib.Path(__file__).resolve().parent / "models"


def query_store(run_dir, sql, params=()):
    """Rows of `sql` from a run's store, read-only; None while the store or its schema does not exist yet."""
    path = pathlib.Path(run_dir) / "supervisor.db"
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return None  # the schema is being created


def wait_for_store(run_dir, sql, predicate=bool, timeout=120, proc=None, what=None):
    """Polls a run's store until `predicate(rows of sql)` holds and returns those rows: tests wait on what
    the store records, never on the clock. `timeout` is only a safety net for a run that never gets there
    (it fails the test); a `proc` that exits first fails it at once, with its output."""
    deadline = time.monotonic() + timeout
    while True:
        rows = query_store(run_dir, sql)
        if rows is not None and predicate(rows):
            return rows
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the job ended (exit {proc.returncode}) before its store showed "
                                 f"{what or sql}; last rows {rows}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the store did not show {what or sql} within {timeout} s; last rows {rows}")
        time.sleep(0.05)


class Run:
    """A finished `supervisor` invocation and the store it left."""

    def __init__(self, proc, out_dir):
        self.proc = proc
        self.out_dir = out_dir
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def db(self):
        con = sqlite3.connect(f"file:{self.out_dir / 'supervisor.db'}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        return con

    def tasks(self):
        with self.db() as con:
            return [dict(r) for r in con.execute("SELECT * FROM tasks ORDER BY id")]


@pytest.fixture
def supervisor(tmp_path):
    """supervisor(args..., timeout=) runs the binary in tmp_path and returns a Run."""
    assert BINARY.exists(), f"{BINARY} missing: build first (bash scripts/build.sh)"

    def call(*args, timeout=180, out="run"):
        out_dir = tmp_path / out
        argv = [str(BINARY), *map(str, args)]
        if args and args[0] == "run":
            argv += ["--out", str(out_dir)]
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
        return Run(proc, out_dir)

    return call


@pytest.fixture
def write_yaml(tmp_path):
    def write(text, name="wf.yaml"):
        path = tmp_path / name
        path.write_text(text.replace("@MODELS@", str(MODELS)))
        return path

    return write
