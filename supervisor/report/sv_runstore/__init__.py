"""sv_runstore: the one reader of a run's store for the Python side (sv_report's page, sv_analysis's CSV
files). Terms: a *run* is one campaign's directory with its SQLite store (``RUN_DIR/supervisor.db``);
``load_run`` reads it once, read-only (WAL readers never block the writer, so a run may still be going),
into a ``RunData``: the run row, sessions, tasks (params and result parsed), per-epoch metrics, events,
submissions, GPU samples, the pruners' decisions and PBT segments (tables made only by runs that have
them), and the workflow YAML the run recorded (runs.spec_text) with its objectives. A folder that is not a readable run raises ``RunStoreError``, one line for the user."""
import json
import math
import os
import pathlib
import sqlite3
import time
import urllib.parse
from dataclasses import dataclass, field


STORE_NAME = "supervisor.db"

__all__ = ["Metric", "Objective", "PbtSegment", "PruneDecision", "RunData", "RunStoreError", "STORE_NAME", "Task", "is_number", "load_run",
           "parse_objectives", "parse_spec"]


class RunStoreError(Exception):
    """A folder that cannot be read as a run; the command lines print it as one line and exit with 2."""


@dataclass
class Objective:
    metric: str
    goal: str = "minimize"  # minimize | maximize

    @property
    def minimize(self):
        return self.goal != "maximize"


@dataclass
class Task:
    id: int
    node_id: str
    model: str
    params: dict
    status: str  # pending | running | done | failed | canceled | pruned
    attempts: int
    worker: int
    host: str
    submit_time: float
    dispatch_time: float
    start_time: float
    end_time: float
    objective: object  # float or None
    result: object     # the model's JSON answer (usually a dict), None when none
    error: str
    result_seq: int = 0  # order in which the server took final results; 0 when the store predates it
    device: str = ""  # the GPUs its worker was bound to (store view task_devices); "" when unknown

    @property
    def duration(self):
        """Seconds the model ran, or None when it has not started or not ended."""
        if self.start_time > 0 and self.end_time >= self.start_time:
            return self.end_time - self.start_time
        return None

    @property
    def error_first_line(self):
        return self.error.strip().split("\n", 1)[0] if self.error else ""


@dataclass
class Metric:
    task_id: int
    node_id: str
    attempt: int
    epoch: int
    time: float
    values: dict


@dataclass
class PruneDecision:
    """One judgement of a pruner (store table prune_decisions, supervisor/store/prune_decisions.cpp): the
    trial's values (one per pruner metric) at `rung_epoch`, and the others' values the rung then held."""
    time: float
    task_id: int
    node_id: str
    epoch: int         # the epoch the trial reported
    rung: int          # -1 for the median pruner, which has no rungs
    rung_epoch: int    # the epoch compared at
    stop: bool
    pruner: str        # asha | hyperband | median
    trial_values: list
    rung_values: list  # list of lists, in arrival order


@dataclass
class PbtSegment:
    """One segment of population-based training (store table pbt_segments, the contract in the PBT
    engineer's store file): member `member` trained epochs start_epoch..end_epoch as task `task_id`, from the
    weights of segment `parent_task_id` (None at segment 0); `exploited` when those were another member's
    and the hyperparameters `params` were perturbed from theirs."""
    task_id: int
    member: int
    segment: int
    start_epoch: int
    end_epoch: int
    parent_task_id: object  # int or None
    parent_member: object   # int or None
    exploited: bool
    params: dict
    score: object           # float or None until the segment finished


@dataclass
class RunData:
    """One run as the sections see it. Times are seconds since the Unix epoch; `t0` is the run's origin
    for plots (its first session's start, or its creation)."""
    run_dir: pathlib.Path
    run: dict
    sessions: list
    tasks: list
    metrics: list
    events: list
    spec: dict
    objectives: list
    submissions: list = field(default_factory=list)  # present once `supervisor submit` records them
    gpu_samples: list = field(default_factory=list)  # dicts: time, host, gpu, busy, memory_used, memory_total
    prune_decisions: list = field(default_factory=list)  # PruneDecision, in the order they were made
    pbt_segments: list = field(default_factory=list)     # PbtSegment by member, segment; [] without PBT
    now: float = field(default_factory=time.time)

    @property
    def minimize(self):
        return self.objectives[0].minimize

    @property
    def t0(self):
        starts = [s["started"] for s in self.sessions if s["started"] > 0]
        return min(starts) if starts else self.run["created"]

    @property
    def end(self):
        """The end of the observed window: now while the run is running, else its last update."""
        return self.now if self.run["status"] == "running" else max(self.run["updated"], self.t0)

    def done(self):
        return [t for t in self.tasks if t.status == "done"]

    def task_dicts(self):
        """The tasks as dicts of their fields (what sv_analysis takes)."""
        return [dict(t.__dict__) for t in self.tasks]

    def failed(self):
        return [t for t in self.tasks if t.status == "failed"]

    def scored(self):
        """Done tasks with a finite objective, in the order their results arrived."""
        ts = [t for t in self.tasks if t.status == "done" and is_number(t.objective)]
        return sorted(ts, key=lambda t: (t.result_seq or math.inf, t.end_time, t.id))

    def value(self, task, metric):
        """A task's value of `metric`: the stored objective for the primary metric, else the result's
        field of that name. None when absent or not a finite number."""
        if metric == self.objectives[0].metric and is_number(task.objective):
            return float(task.objective)
        if isinstance(task.result, dict):
            v = task.result.get(metric)
            if is_number(v):
                return float(v)
        elif metric == self.objectives[0].metric and is_number(task.result):
            return float(task.result)
        return None

    def space(self):
        """The hpo `space:` section as {name: mapping} ({} for other workflows)."""
        space = self.spec.get("space") if isinstance(self.spec, dict) else None
        return space if isinstance(space, dict) else {}

    def max_workers(self):
        return max((s["workers"] for s in self.sessions), default=0)

    def pruning_summary(self):
        """(pruned trials, worker-seconds saved): each pruned task's run time short of the mean full
        training (the done tasks'); saved is None before any training finished. The rule `supervisor
        status` applies (supervisor/cli/status_view.cpp, pruning_summary); tests compare the two."""
        pruned = [t for t in self.tasks if t.status == "pruned"]
        full = [t.duration or 0.0 for t in self.done() if t.start_time > 0]
        if not full:
            return len(pruned), None
        mean = sum(full) / len(full)
        return len(pruned), sum(max(0.0, mean - (t.duration or 0.0)) for t in pruned if t.start_time > 0)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _json(text, default=None):
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def parse_objectives(spec):
    """The objectives of a workflow's `objective:` section, primary first (default: minimize val_loss)."""
    section = spec.get("objective") if isinstance(spec, dict) else None
    if not isinstance(section, dict):
        return [Objective("val_loss")]
    items = section.get("metrics")
    if isinstance(items, list) and items:
        out = [Objective(str(i.get("metric", "val_loss")), str(i.get("goal", "minimize")))
               for i in items if isinstance(i, dict)]
        if out:
            return out
    return [Objective(str(section.get("metric", "val_loss")), str(section.get("goal", "minimize")))]


def parse_spec(text):
    """The workflow YAML as a dict; {} when it cannot be read (the readers then use defaults)."""
    try:
        import yaml
    except ImportError as e:
        raise RunStoreError("PyYAML is not installed for this Python; install python3-yaml "
                            "(scripts/install-deps.sh does)") from e
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
    try:
        spec = yaml.load(text or "", Loader=loader)
    except yaml.YAMLError:
        return {}
    return spec if isinstance(spec, dict) else {}


def connect_read_only(db_path):
    """A read-only connection that never takes the writer's locks away: WAL readers do not block it."""
    uri = "file:" + urllib.parse.quote(str(pathlib.Path(db_path).resolve())) + "?mode=ro"
    con = sqlite3.connect(uri, uri=True, timeout=5.0)
    con.row_factory = sqlite3.Row
    return con


def _table_names(con):
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def _columns(con, table):
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}  # table: a constant of ours


def load_run(run_dir, spec_text=None):
    """Reads the run in `run_dir`. Raises RunStoreError (one line for the user) when it is not a run.

    `spec_text` stands in for the workflow text the run recorded: `supervisor report` passes the text with
    a huge `sweep:` block left out (the one rule for that is C++'s, supervisor/cli/recorded_workflow.hpp),
    so a run of a million literal tuples is not parsed as YAML just to find its objective."""
    run_dir = pathlib.Path(run_dir)
    if not run_dir.is_dir():
        raise RunStoreError(f"{run_dir}: no such run directory")
    db = run_dir / STORE_NAME
    if not db.is_file():
        raise RunStoreError(f"{run_dir}: not a run directory (no {STORE_NAME} inside)")
    if not os.access(db, os.R_OK):
        raise RunStoreError(f"{db}: cannot read the run store (permission denied)")
    try:
        con = connect_read_only(db)
        try:
            return _read(con, run_dir, db, spec_text)
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise RunStoreError(f"{db}: not a readable Supervisor run store ({e})") from e


def _read(con, run_dir, db, spec_text):
    tables = _table_names(con)
    if not {"runs", "tasks", "sessions"} <= tables:
        raise RunStoreError(f"{db}: not a Supervisor run store (no runs/tasks tables)")
    row = con.execute("SELECT * FROM runs WHERE id = 1").fetchone()
    if row is None:
        raise RunStoreError(f"{db}: the run store has no run row (was its creation interrupted?)")
    run = dict(row)
    sessions = [dict(r) for r in con.execute("SELECT * FROM sessions ORDER BY id")]
    seq = "result_seq" if "result_seq" in _columns(con, "tasks") else "0 AS result_seq"
    tasks = []
    for r in con.execute(
            "SELECT id, node_id, model, params, status, attempts, worker, host, submit_time, dispatch_time, "
            f"start_time, end_time, objective, result, error, {seq} FROM tasks ORDER BY id"):
        params = _json(r["params"], {})
        tasks.append(Task(
            id=r["id"], node_id=r["node_id"], model=r["model"],
            params=params if isinstance(params, dict) else {"params": params},
            status=r["status"], attempts=r["attempts"], worker=r["worker"], host=r["host"],
            submit_time=r["submit_time"], dispatch_time=r["dispatch_time"], start_time=r["start_time"],
            end_time=r["end_time"], objective=r["objective"], result=_json(r["result"]), error=r["error"],
            result_seq=r["result_seq"]))
    # Made with the workers table by the first worker's hello (supervisor/store/workers.cpp).
    if "task_devices" in tables:
        devices = dict(con.execute("SELECT task_id, devices FROM task_devices").fetchall())
        for t in tasks:
            t.device = devices.get(t.id, "")
    metrics = []
    if "metrics" in tables:
        for r in con.execute("SELECT task_id, node_id, attempt, epoch, time, metrics FROM metrics "
                             "ORDER BY task_id, attempt, epoch, id"):
            values = _json(r["metrics"], {})
            metrics.append(Metric(r["task_id"], r["node_id"], r["attempt"], r["epoch"], r["time"],
                                  values if isinstance(values, dict) else {}))
    events = [dict(r) for r in con.execute("SELECT time, kind, message FROM events ORDER BY id")] \
        if "events" in tables else []
    submissions = [dict(r) for r in con.execute("SELECT * FROM submissions ORDER BY rowid")] \
        if "submissions" in tables else []
    # Made by the first GPU reading (supervisor/store/gpu_samples.cpp): absent for runs without a GPU.
    gpu_samples = [dict(r) for r in con.execute(
        "SELECT time, host, gpu, busy, memory_used, memory_total FROM gpu_samples ORDER BY time, id")] \
        if "gpu_samples" in tables else []
    spec = parse_spec(run.get("spec_text", "") if spec_text is None else spec_text)
    return RunData(run_dir=run_dir, run=run, sessions=sessions, tasks=tasks, metrics=metrics, events=events,
                   spec=spec, objectives=parse_objectives(spec), submissions=submissions,
                   gpu_samples=gpu_samples, prune_decisions=_prune_decisions(con, tables),
                   pbt_segments=_pbt_segments(con, tables))


def _prune_decisions(con, tables):
    # Made by a pruner's first decision (supervisor/store/prune_decisions.cpp): absent without a pruner.
    if "prune_decisions" not in tables:
        return []
    return [PruneDecision(r["time"], r["task_id"], r["node_id"], r["epoch"], r["rung"], r["rung_epoch"],
                          r["decision"] == "stop", r["pruner"], _json(r["trial_values"], []),
                          _json(r["rung_values"], []))
            for r in con.execute("SELECT time, task_id, node_id, epoch, rung, rung_epoch, decision, pruner, "
                                 "trial_values, rung_values FROM prune_decisions ORDER BY id")]


def _pbt_segments(con, tables):
    # Made by a PBT search (the pbt_segments contract): absent for every other run, which then has no PBT.
    if "pbt_segments" not in tables:
        return []
    out = []
    for r in con.execute("SELECT task_id, member, segment, start_epoch, end_epoch, parent_task_id, "
                         "parent_member, exploited, params, score FROM pbt_segments ORDER BY member, segment"):
        params = _json(r["params"], {})
        out.append(PbtSegment(r["task_id"], r["member"], r["segment"], r["start_epoch"], r["end_epoch"],
                              r["parent_task_id"], r["parent_member"], bool(r["exploited"]),
                              params if isinstance(params, dict) else {}, r["score"]))
    return out
