"""A build that fits a site: `cmake --install` gives a tree that runs from wherever it is moved (its Python
files found relative to bin/supervisor, not in the checkout); the embedded Python is the configured
interpreter's environment, a venv included, with no PYTHONPATH; a Python optimizer whose package that
interpreter lacks fails at `validate` naming the package."""
import json
import os
import shutil
import subprocess
import sys

from conftest import BINARY, BUILD, ROOT

VENV_MODULE = "sv_venv_only_marker"


def run(argv, cwd, env=None, timeout=240):
    return subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SV_") and k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


def where_model(tmp_path):
    (tmp_path / "where.py").write_text(
        "import model_runner, sys\n"
        "def run(params):\n"
        "    return {'val_loss': 0.0, 'runner': model_runner.__file__, 'prefix': sys.prefix}\n")
    wf = tmp_path / "wf.yaml"
    wf.write_text(f"""
workflow: sweep
model: {{kind: python, entry: "where:run", python_path: ["{tmp_path}"]}}
sweep: {{grid: {{x: [0, 1]}}}}
objective: {{metric: val_loss}}
resources: {{workers: 1, heartbeat_s: 0}}
""")
    return wf


def results(out_dir):
    import sqlite3
    con = sqlite3.connect(f"file:{out_dir / 'supervisor.db'}?mode=ro", uri=True)
    rows = [json.loads(r) for (r,) in con.execute("SELECT result FROM tasks WHERE status = 'done'")]
    con.close()
    return rows


def test_installed_tree_runs_after_a_move_with_its_own_python_files(tmp_path):
    first = tmp_path / "first"
    proc = run(["cmake", "--install", BUILD, "--prefix", first], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    moved = tmp_path / "moved"
    shutil.move(first, moved)  # relocatable: nothing may point at the first prefix
    share = moved / "share" / "supervisor"
    for part in ("python/model_runner/__init__.py", "eq_py/eqpy/__init__.py", "site_configs/local.yaml",
                 "report/sv_report/__main__.py"):
        assert (share / part).exists(), part
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    wf = where_model(elsewhere)
    proc = run([moved / "bin" / "supervisor", "run", wf, "--out", elsewhere / "run"], cwd=elsewhere,
               env=clean_env())
    assert proc.returncode == 0, proc.stderr
    rows = results(elsewhere / "run")
    assert len(rows) == 2
    assert all(r["runner"].startswith(str(share / "python" / "model_runner")) for r in rows), rows
    proc = run([moved / "bin" / "supervisor", "report", elsewhere / "run", "--out", elsewhere / "r.html"],
               cwd=elsewhere, env=clean_env())
    assert proc.returncode == 0, proc.stderr


def make_venv(tmp_path):
    venv = tmp_path / "venv"
    proc = run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (site,) = list((venv / "lib").glob("python3*/site-packages"))
    (site / f"{VENV_MODULE}.py").write_text("WHERE = 'venv'\n")
    return venv


def test_embedded_python_sees_the_venv_packages_without_pythonpath(tmp_path):
    venv = make_venv(tmp_path)
    (tmp_path / "in_venv.py").write_text(
        f"import sys, {VENV_MODULE}\n"
        "def run(params):\n"
        f"    return {{'val_loss': 0.0, 'where': {VENV_MODULE}.WHERE, 'prefix': sys.prefix}}\n")
    wf = tmp_path / "wf.yaml"
    wf.write_text(f"""
workflow: sweep
model: {{kind: python, entry: "in_venv:run", python_path: ["{tmp_path}"]}}
sweep: {{grid: {{x: [0]}}}}
objective: {{metric: val_loss}}
resources: {{workers: 1, heartbeat_s: 0}}
""")
    # The interpreter the build was configured with, as a site's venv would be (SV_PYTHON_EXECUTABLE
    # stands in for -DPython3_EXECUTABLE=<venv>/bin/python3 without a second build).
    env = clean_env(SV_PYTHON_EXECUTABLE=str(venv / "bin" / "python3"))
    proc = run([BINARY, "run", wf, "--out", tmp_path / "run"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    (row,) = results(tmp_path / "run")
    assert row["where"] == "venv" and row["prefix"] == str(venv), row


def test_validate_names_the_missing_optimizer_package(tmp_path):
    venv = make_venv(tmp_path)  # a Python without DEAP and Optuna
    env = clean_env(SV_PYTHON_EXECUTABLE=str(venv / "bin" / "python3"))
    for name, package in (("hpo-ga.yaml", "deap"), ("hpo-tpe.yaml", "optuna")):
        proc = run([BINARY, "validate", ROOT / "workflows" / name], cwd=tmp_path, env=env)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and f"needs the Python package '{package}'" in lines[0], proc.stderr
    proc = run([BINARY, "validate", ROOT / "workflows" / "hpo-random.yaml"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
