"""Reading a run's tasks and workflow YAML straight from its store, read-only (a run may still be
writing: WAL readers never block the writer)."""
import json
import pathlib
import sqlite3
import urllib.parse
from dataclasses import dataclass

STORE_NAME = "supervisor.db"


class AnalysisError(Exception):
    """A run directory that cannot be analysed; the CLI prints it as one line and exits with 2."""


@dataclass
class RunTasks:
    run_dir: pathlib.Path
    workflow: str   # sweep | hpo | uq | sublearning | dag
    spec: dict      # the workflow YAML as run ({} when unreadable)
    tasks: list     # dicts: id, node_id, params, status, worker, start_time, end_time, objective, result


def _json(text, default=None):
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _spec(text):
    try:
        import yaml
    except ImportError:
        return {}
    try:
        spec = yaml.safe_load(text or "")
    except yaml.YAMLError:
        return {}
    return spec if isinstance(spec, dict) else {}


def load_tasks(run_dir):
    """The run in `run_dir` as RunTasks; AnalysisError when it is not a run directory."""
    run_dir = pathlib.Path(run_dir)
    db = run_dir / STORE_NAME
    if not db.is_file():
        raise AnalysisError(f"{run_dir}: not a run directory (no {STORE_NAME} inside)")
    uri = "file:" + urllib.parse.quote(str(db.resolve())) + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=5.0)
        con.row_factory = sqlite3.Row
        try:
            run = con.execute("SELECT workflow, spec_text FROM runs WHERE id = 1").fetchone()
            rows = con.execute("SELECT id, node_id, params, status, worker, start_time, end_time, objective, "
                               "result FROM tasks ORDER BY id").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise AnalysisError(f"{db}: not a readable Supervisor run store ({e})") from e
    tasks = []
    for r in rows:
        t = dict(r)
        t["params"] = _json(t["params"], {})
        t["result"] = _json(t["result"])
        tasks.append(t)
    return RunTasks(run_dir=run_dir, workflow=run["workflow"] if run else "", spec=_spec(run["spec_text"] if run else ""),
                    tasks=tasks)
