"""objective.mode and the objective rule on every language path, in whole runs: Python models (embedded and
isolated), R models and app models each answer every case of tests/data/objective_cases.json, and the store
must hold the case's objective, or the case's error on a failed task. One rule (core::pick_objective), so
one file of cases."""
import json
import pathlib

import pytest

CASES_FILE = pathlib.Path(__file__).resolve().parents[1] / "data" / "objective_cases.json"
CASES = json.loads(CASES_FILE.read_text())["cases"]
MODES = ("last", "min", "max")

PYTHON_MODEL = """
import json

def run(params):
    with open(params["cases"]) as f:
        return json.load(f)["cases"][params["case"]]["result"]
"""

APP = """
import json, sys
with open(sys.argv[1]) as f:
    print(json.dumps(json.load(f)["cases"][int(sys.argv[2])]["result"]))
"""

R_MODEL = """
run <- function(params) {
  cases <- jsonlite::fromJSON(params$cases, simplifyVector = FALSE)$cases
  cases[[params$case + 1]]$result
}
"""


def non_finite(case):
    return any(word in json.dumps(case["result"]) for word in ("NaN", "Infinity"))


def model_section(path, tmp_path, cases_file):
    if path in ("python", "python-isolated"):
        (tmp_path / "case_model.py").write_text(PYTHON_MODEL)
        return (f'model: {{kind: python, entry: "case_model:run", python_path: ["{tmp_path}"], '
                f'defaults: {{cases: "{cases_file}"}}}}')
    if path == "app":
        (tmp_path / "case_app.py").write_text(APP)
        return f'model: {{kind: app, command: [/usr/bin/python3, "{tmp_path / "case_app.py"}", "{cases_file}", "{{case}}"]}}'
    (tmp_path / "case_model.R").write_text(R_MODEL)
    return f'model: {{kind: r, entry: "{tmp_path / "case_model.R"}:run", defaults: {{cases: "{cases_file}"}}}}'


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", ["python", "python-isolated", "r", "app"])
def test_every_language_path_picks_the_objective_by_the_shared_cases(supervisor, write_yaml, tmp_path, path, mode):
    # R's JSON (jsonlite) has no NaN or Infinity: an R model cannot answer those cases, so it gets the others.
    cases = [c for c in CASES if c["mode"] == mode and not (path == "r" and non_finite(c))]
    assert cases
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps({"cases": cases}))
    metrics = {c["metric"] for c in cases}
    assert metrics == {"val_loss"}
    shell = "isolated" if path == "python-isolated" else "embedded"
    wf = write_yaml(f"""
workflow: sweep
{model_section(path, tmp_path, cases_file)}
sweep: {{list: [{", ".join(f"{{case: {i}}}" for i in range(len(cases)))}]}}
objective: {{metric: val_loss, mode: {mode}}}
resources: {{workers: 1, shell: {shell}}}
""")
    run = supervisor("run", wf, timeout=180)
    assert run.returncode == 0, run.stderr
    tasks = {json.loads(t["params"])["case"]: t for t in run.tasks()}
    assert len(tasks) == len(cases), run.stderr
    for i, case in enumerate(cases):
        task = tasks[i]
        if "objective" in case:
            assert (task["status"], task["objective"]) == ("done", case["objective"]), (case["name"], task["error"])
        else:
            assert task["status"] == "failed", case["name"]
            first = task["error"].split("\n", 1)[0]
            # R and app shells say whose result it was: "... is NaN (the app's result)".
            assert first == case["error"] or first.startswith(case["error"] + " (the "), (case["name"], first)
