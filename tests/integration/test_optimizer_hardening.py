"""Optimizers through the real supervisor (issue 14, items 11-15): no message of a dying or finishing optimizer
is lost, max_time is a budget for the whole run, Python optimizer options and the model's import are checked
before anything is created, EMEWS algorithms run as written, and one objective rule for every model kind.
Assertions are on the run's SQLite rows and on exit statuses."""
import json
import os
import subprocess
import textwrap

from conftest import BINARY, MODELS


def events(run):
    with run.db() as con:
        return [(k, m) for k, m in con.execute("SELECT kind, message FROM events ORDER BY id")]


def algorithm(tmp_path, name, source):
    """An EMEWS ME algorithm module written into tmp_path/algos; returns that folder."""
    folder = tmp_path / "algos"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


EMEWS_WORKFLOW = """
workflow: hpo
model: {{kind: python, entry: "model_runner.examples.quadratic:run"}}
space:
  x: {{type: float, low: -5, high: 5}}
  y: {{type: float, low: -5, high: 5}}
optimizer:
  name: emews
  module: {module}
  path: ["{path}"]
  max_evals: {max_evals}
{extra}
resources: {{workers: 1}}
"""


def emews_workflow(write_yaml, module, path, max_evals=1, extra=""):
    return write_yaml(EMEWS_WORKFLOW.format(module=module, path=path, max_evals=max_evals,
                                            extra=textwrap.indent(textwrap.dedent(extra), "  ")))


# ---- 11: the optimizer's last message is never dropped -------------------------------------------------

def test_an_optimizer_crashing_after_its_last_answer_fails_the_run_with_its_traceback(
        supervisor, write_yaml, tmp_path):
    # Its final computation outlasts the engine's old 2 s grace; the crash must still be what the run says.
    path = algorithm(tmp_path, "crash_late", """
        import json, time
        import eqpy

        def run():
            eqpy.OUT_put(json.dumps({"x": 1.0, "y": -2.0}))
            eqpy.IN_get()
            time.sleep(3)
            raise RuntimeError("crashed after its last answer")
    """)
    run = supervisor("run", emews_workflow(write_yaml, "crash_late", path), timeout=180)
    assert run.returncode == 1, run.stderr
    assert "RuntimeError: crashed after its last answer" in run.stderr
    with run.db() as con:
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "failed"
    fatal = [m for k, m in events(run) if k == "fatal"]
    assert fatal and "Traceback" in fatal[0] and "crashed after its last answer" in fatal[0]


def test_the_best_point_sent_after_a_slow_final_computation_is_recorded(supervisor, write_yaml, tmp_path):
    path = algorithm(tmp_path, "slow_final", """
        import json, time
        import eqpy

        def run():
            eqpy.OUT_put(json.dumps({"x": 1.0, "y": -2.0}))
            value = float(eqpy.IN_get())
            time.sleep(3)
            eqpy.OUT_put("DONE")
            eqpy.OUT_put(json.dumps({"best_value": value}))
    """)
    run = supervisor("run", emews_workflow(write_yaml, "slow_final", path), timeout=180)
    assert run.returncode == 0, run.stderr
    kinds = [k for k, _ in events(run)]
    assert "optimizer:final" in kinds and "optimizer:done" in kinds
    done = json.loads([m for k, m in events(run) if k == "optimizer:done"][-1])
    assert done["best"]["objective"] == 0.0


# ---- 12: max_time is counted across sessions -----------------------------------------------------------

MAX_TIME_WORKFLOW = """
workflow: hpo
model:
  kind: python
  entry: "model_runner.examples.quadratic:run"
  defaults: {{sleep: 0.3}}
space: {{x: {{type: float, low: -5, high: 5}}}}
optimizer: {{name: random, max_evals: 100000, seed: 3{max_time}}}
resources: {{workers: 2}}
"""


def test_max_time_counts_the_optimizer_time_of_earlier_sessions(supervisor, write_yaml):
    wf = write_yaml(MAX_TIME_WORKFLOW.format(max_time=""))
    first = supervisor("run", wf, "--walltime", "12", "--drain-margin", "6", timeout=180)
    assert first.returncode == 0, first.stderr
    times = [json.loads(m) for k, m in events(first) if k == "optimizer:time"]
    assert times, "the first session recorded no optimizer time"
    spent = times[-1]["total_s"]
    assert spent > 0
    before = {t["node_id"] for t in first.tasks()}
    # The budget, set now, is smaller than what the first session already used: the resumed search must
    # not propose anything new (counting from zero it would have had half of it left).
    wf.write_text(MAX_TIME_WORKFLOW.format(max_time=f", max_time: {spent / 2:.3f}"))
    again = supervisor("resume", first.out_dir, "--force", timeout=180)
    assert again.returncode == 0, again.stderr
    assert {t["node_id"] for t in again.tasks()} == before
    assert {t["status"] for t in again.tasks()} == {"done"}
    stops = [m for k, m in events(again) if k == "optimizer:stop"]
    assert stops[-1] == "max_time"
    totals = [json.loads(m)["total_s"] for k, m in events(again) if k == "optimizer:time"]
    assert totals[-1] >= spent


# ---- 13: Python optimizer options and the model's import are checked up front -------------------------

TPE_TYPO = """
workflow: hpo
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
space: {x: {type: float, low: -5, high: 5}}
optimizer:
  name: tpe
  max_evals: 5
  options: {n_startupp: 3}
resources: {workers: 1}
"""


def one_line(text):
    return len([l for l in text.strip().splitlines() if l.strip()]) == 1


def test_an_unknown_python_optimizer_option_fails_validate_run_and_submit_with_its_line(
        supervisor, write_yaml, tmp_path):
    wf = write_yaml(TPE_TYPO)
    expected = "wf.yaml:8: optimizer.options.n_startupp: unknown for tpe: n_startupp (known: "
    for args in (("validate", wf), ("run", wf)):
        res = supervisor(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert expected in res.stderr, (args, res.stderr)
        assert one_line(res.stderr), res.stderr
    assert not (tmp_path / "run").exists()
    out = tmp_path / "submitted"
    res = subprocess.run([str(BINARY), "submit", str(wf), "--site", "generic-pbs", "--dry-run", "--out", str(out)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert expected in res.stderr and one_line(res.stderr), res.stderr
    assert not out.exists()


def test_validate_imports_the_model_and_names_a_missing_module(supervisor, write_yaml):
    wf = write_yaml('workflow: sweep\nmodel:\n  entry: "no_such_pkg.models:run"\nsweep: {grid: {x: [1]}}\n')
    res = supervisor("validate", wf)
    assert res.returncode == 2, res.stderr
    assert "wf.yaml:3: model.entry: cannot import 'no_such_pkg.models': no module named 'no_such_pkg'" in res.stderr
    assert one_line(res.stderr), res.stderr
    # A model found through python_path (relative to the workflow file) passes.
    ok = write_yaml('workflow: sweep\nmodel: {entry: "itest_models:checkpointed", python_path: ["@MODELS@"]}\n'
                    'sweep: {grid: {x: [1]}}\n', name="ok.yaml")
    res = supervisor("validate", ok)
    assert res.returncode == 0, res.stderr


def test_validate_checks_the_optimizer_package_its_options_and_the_model_in_one_python(tmp_path, write_yaml):
    # Every Python that starts imports sitecustomize from PYTHONPATH first: it leaves one line per start.
    hook = tmp_path / "hook"
    hook.mkdir()
    starts = tmp_path / "starts.log"
    (hook / "sitecustomize.py").write_text(
        f"with open({str(starts)!r}, 'a') as f:\n    f.write('start\\n')\n")
    wf = write_yaml("workflow: hpo\n"
                    'model: {entry: "itest_models:checkpointed", python_path: ["@MODELS@"]}\n'
                    "space: {x: {type: float, low: 0, high: 1}}\n"
                    "optimizer: {name: ga, max_evals: 4}\n")
    env = dict(os.environ, PYTHONPATH=str(hook))
    res = subprocess.run([str(BINARY), "validate", str(wf)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=180, env=env)
    assert res.returncode == 0, res.stderr
    assert starts.read_text().splitlines() == ["start"], res.stderr


# ---- 14: EMEWS algorithms as written for EMEWS ---------------------------------------------------------

def test_an_emews_algorithm_waiting_for_pushed_settings_with_csv_points_and_comma_results_ends_quietly(
        supervisor, write_yaml, tmp_path):
    # Waits for its settings first, sends comma-separated points in the space's order, splits results on
    # ',', and asks for more than the budget: the budget stop must end it without an abort.
    path = algorithm(tmp_path, "swift_style", """
        import eqpy

        def run():
            rounds = int(eqpy.IN_get())
            for r in range(rounds):
                eqpy.OUT_put(f"1,-2;{r},0")
                values = [float(v) for v in eqpy.IN_get().split(",")]
                assert len(values) == 2
    """)
    wf = emews_workflow(write_yaml, "swift_style", path, max_evals=4, extra="""
        settings: "50"
        options: {push_settings: true, result_separator: ","}
    """)
    run = supervisor("run", wf, timeout=180)
    assert run.returncode == 0, run.stderr
    tasks = run.tasks()
    assert len(tasks) == 4 and {t["status"] for t in tasks} == {"done"}
    assert json.loads(tasks[0]["params"]) == {"x": 1, "y": -2}
    kinds = [k for k, _ in events(run)]
    assert "optimizer:done" in kinds and "fatal" not in kinds


def test_a_hung_python_optimizer_is_stopped_by_the_watchdog(supervisor, write_yaml, tmp_path):
    path = algorithm(tmp_path, "hangs", """
        import json, time
        import eqpy

        def run():
            eqpy.OUT_put(json.dumps({"x": 1.0, "y": -2.0}))
            eqpy.IN_get()
            time.sleep(100000)
    """)
    wf = emews_workflow(write_yaml, "hangs", path, max_evals=10, extra="options: {hang_timeout: 1}\n")
    run = supervisor("run", wf, timeout=180)
    assert run.returncode == 1, run.stderr
    assert "the Python optimizer hung" in run.stderr and "optimizer.options.hang_timeout" in run.stderr


# ---- 15: objective.mode and NaN, the same for every model kind -----------------------------------------

def test_objective_mode_and_nan_apply_to_app_models(supervisor, write_yaml, tmp_path):
    app = tmp_path / "history_app.py"
    app.write_text(textwrap.dedent("""
        import json, sys
        x = float(sys.argv[1])
        if x < 2:
            print(json.dumps({"val_loss": 0.6, "history": {"val_loss": [0.9, 0.3, 0.6]}}))
        else:
            print(json.dumps({"val_loss": float("nan")}))  # json.dumps writes NaN
    """))
    wf = write_yaml(f"""
workflow: sweep
model:
  kind: app
  command: ["/usr/bin/python3", "{app}", "{{x}}"]
objective: {{metric: val_loss, mode: min}}
sweep: {{grid: {{x: [1, 3]}}}}
resources: {{workers: 1}}
""")
    run = supervisor("run", wf, timeout=180)
    by_x = {json.loads(t["params"])["x"]: t for t in run.tasks()}
    assert by_x[1]["status"] == "done" and by_x[1]["objective"] == 0.3   # the best epoch, not the last
    assert by_x[3]["status"] == "failed"
    assert "objective 'val_loss' is NaN" in by_x[3]["error"]


def test_objective_mode_and_nan_apply_to_r_models(supervisor, write_yaml, tmp_path):
    model = tmp_path / "history_model.R"
    model.write_text(textwrap.dedent("""
        train <- function(params) {
          if (params$x < 2) list(val_loss = c(0.9, 0.3, 0.6)) else list(val_loss = NaN)
        }
    """))
    wf = write_yaml(f"""
workflow: sweep
model: {{kind: r, entry: "{model}:train"}}
objective: {{metric: val_loss, mode: max}}
sweep: {{grid: {{x: [1, 3]}}}}
resources: {{workers: 1}}
""")
    run = supervisor("run", wf, timeout=180)
    by_x = {json.loads(t["params"])["x"]: t for t in run.tasks()}
    assert by_x[1]["status"] == "done" and by_x[1]["objective"] == 0.9, by_x[1]["error"]
    assert by_x[3]["status"] == "failed"
    # R writes NaN as null (jsonlite): the same rule fails the task, saying which.
    assert "objective 'val_loss' is null" in by_x[3]["error"]
