"""Fixtures for the model_runner tests (test_mr_*.py): the repo root on sys.path, a clean
worker, a stand-in for the C++ ``_supervisor`` module, and a folder to write models into.
Nothing here is autouse, so other packages' tests in this folder are not affected."""
import glob
import json
import os
import sys
import textwrap
import types

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# The objective rule's C library of the build under test (model_runner/objective_rule.py loads it).
_BUILD = os.environ.get("SV_BUILD_DIR") or os.path.join(ROOT, "build")
_RULE = sorted(glob.glob(os.path.join(_BUILD, "lib*", "libsv_objective.so")) +
               glob.glob(os.path.join(_BUILD, "lib*", "*", "libsv_objective.so")))
if _RULE:
    os.environ.setdefault("SV_OBJECTIVE_LIB", _RULE[0])

from model_runner import shell  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests"))
from pytest_no_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: E402,F401  (a skip fails)


@pytest.fixture
def clean_worker():
    """Each test starts with an unconfigured worker and an empty worker_state."""
    shell.configure('{"models": []}')
    shell.worker_state().clear()
    yield
    shell.worker_state().clear()


class FakeSupervisor(types.ModuleType):
    """What the C++ worker registers as the builtin ``_supervisor`` module."""

    def __init__(self):
        super().__init__("_supervisor")
        self.sent = []
        self.stop = False
        self.stop_after_reports = None

    def report(self, task_id, payload_json):
        assert isinstance(task_id, int) and isinstance(payload_json, str)
        self.sent.append((task_id, json.loads(payload_json)))

    def should_stop(self):
        if self.stop_after_reports is not None and len(self.sent) >= self.stop_after_reports:
            return True
        return self.stop


@pytest.fixture
def fake_supervisor(monkeypatch):
    """Installs a fake ``_supervisor`` for the duration of a test (configure() finds it)."""
    module = FakeSupervisor()
    monkeypatch.setitem(sys.modules, "_supervisor", module)
    return module


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    """A folder for model modules written by a test; returns ``write(name, source)``."""
    folder = tmp_path / "models"
    folder.mkdir()
    written = []

    def write(name, source, files=None):
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
        for file_name, text in (files or {}).items():
            (folder / file_name).write_text(textwrap.dedent(text))
        written.append(name)
        return str(folder)

    yield write
    for name in written:
        sys.modules.pop(name, None)
    while str(folder) in sys.path:
        sys.path.remove(str(folder))
