"""The runs an analysis reads, through the one reader of a run's store (sv_runstore), with their tasks as
plain dicts: what sublearning.py and uq.py take (tests build such dicts by hand)."""
import pathlib
from dataclasses import dataclass

from sv_runstore import RunStoreError, load_run


class AnalysisError(RunStoreError):
    """A run that holds nothing to analyse; the CLI prints it as one line and exits with 2."""


@dataclass
class RunTasks:
    run_dir: pathlib.Path
    workflow: str   # sweep | hpo | uq | sublearning | dag
    spec: dict      # the workflow YAML as run ({} when unreadable)
    tasks: list     # dicts: id, node_id, params, status, worker, start_time, end_time, objective, result, ...


def load_tasks(run_dir):
    """The run in `run_dir` as RunTasks; RunStoreError when it is not a readable run directory."""
    run = load_run(run_dir)
    return RunTasks(run_dir=run.run_dir, workflow=run.run.get("workflow", ""), spec=run.spec,
                    tasks=run.task_dicts())
