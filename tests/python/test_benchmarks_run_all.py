"""benchmarks/run_all's bookkeeping, without measuring anything (the row functions are replaced): rows keep
their own date and commit across `--only`, the headline ratio is Python against Python, and neither a
peer never measured here (Swift/T) nor a ratio across two invocations counts as a bar met."""
import importlib.machinery
import importlib.util
import json
import pathlib
import sys

import pytest

RUN_ALL = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "run_all"


@pytest.fixture
def run_all(tmp_path, monkeypatch):
    loader = importlib.machinery.SourceFileLoader("run_all_under_test", str(RUN_ALL))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    (tmp_path / "results").mkdir()
    (tmp_path / "BENCHMARKS.md").write_text("# B\n\n<!-- run_all:begin -->\nold\n<!-- run_all:end -->\n")
    monkeypatch.setattr(module, "HERE", tmp_path)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "BINARY", pathlib.Path(sys.executable))
    monkeypatch.setattr(module, "rows", lambda store: [
        ("fake_a", "row a", "tasks/s", lambda: 1.0),
        ("fake_b", "row b", "tasks/s", lambda: 2.0)])
    monkeypatch.setattr(module, "peer_rows", lambda counts: [])
    return module


def row(median, date="2026-11-23", invocation="2026-11-23"):
    return {"median": median, "min": median, "max": median, "runs": 5, "description": "d", "unit": "tasks/s",
            "command": "c", "date": date, "invocation": invocation}


def test_only_remeasures_its_row_and_every_other_row_keeps_its_own_date(run_all, tmp_path, monkeypatch):
    old = {"date": "2026-11-23", "runs": 5,
           "rows": {"fake_a": {"median": 10.0, "min": 9.0, "max": 11.0, "runs": 5, "description": "row a",
                               "unit": "tasks/s", "command": "benchmarks/run_all --only fake_a"},
                    "fake_b": {"median": 20.0, "min": 19.0, "max": 21.0, "runs": 5, "description": "row b",
                               "unit": "tasks/s", "command": "benchmarks/run_all --only fake_b"}}}
    (tmp_path / "results" / "latest.json").write_text(json.dumps(old))
    monkeypatch.setattr(sys, "argv", ["run_all", "--only", "fake_b", "--runs", "1"])
    run_all.main()
    new = json.loads((tmp_path / "results" / "latest.json").read_text())
    a, b = new["rows"]["fake_a"], new["rows"]["fake_b"]
    assert (a["median"], a["date"], a["commit"], a["runs"]) == (10.0, "2026-11-23", None, 5)
    assert b["median"] == 2.0 and b["date"] == new["date"] != "2026-11-23" and b["runs"] == 1 and b["commit"]
    md = (tmp_path / "BENCHMARKS.md").read_text()
    line_a = next(line for line in md.splitlines() if line.startswith("| row a |"))
    line_b = next(line for line in md.splitlines() if line.startswith("| row b |"))
    assert "2026-11-23 commit not recorded, 5 runs" in line_a
    assert f"{new['date']} {b['commit']}, 1 runs" in line_b
    assert "2026-11-23" not in line_b and new["date"] not in line_a


def test_the_headline_is_python_against_python_and_swift_t_is_never_a_bar(run_all):
    results = {"rows": {"supervisor_noop_tps_1w": row(200000.0), "supervisor_noop_tps_2w": row(190000.0),
                        "supervisor_python_tps_1w": row(100000.0), "dask_noop_tps_1w": row(1000.0),
                        "mpi4py_noop_tps_1w": row(2500.0)}}
    run_all.summarize(results)
    bars = results["bars"]
    dask = next(v for k, v in bars.items() if "Dask" in k)
    mpi4py = next(v for k, v in bars.items() if "mpi4py" in k)
    assert dask == {"value": 100.0, "met": True}  # 100,000 Python tasks/s against 1,000, not the C++ 200,000
    assert mpi4py == {"value": 40.0, "met": True}
    assert not [k for k in bars if "Swift" in k]
    assert list(results["swift_t_not_measured"].values()) == [200000.0 / 160000, 190000.0 / 72000,
                                                              100000.0 / 27000]


def test_a_ratio_over_rows_of_different_invocations_is_not_compared(run_all):
    results = {"rows": {"supervisor_python_tps_1w": row(100000.0, "2026-12-01", "2026-12-01T10:00:00"),
                        "dask_noop_tps_1w": row(1000.0)}}
    run_all.summarize(results)
    assert not [k for k in results["bars"] if "Dask" in k]
    assert [k for k in results["not_compared"] if "Dask" in k]
