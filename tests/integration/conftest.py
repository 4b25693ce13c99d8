"""Fixtures for end-to-end runs: the real `supervisor` binary under real mpiexec, checked through the
run's SQLite file."""
import os
import pathlib
import sqlite3
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("SV_BUILD_DIR", ROOT / "build"))
BINARY = BUILD / "bin" / "supervisor"
MODELS = pathlib.Path(__file__).resolve().parent / "models"


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
