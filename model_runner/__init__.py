"""model_runner: the Python side of a Supervisor worker.

A C++ worker rank keeps one embedded interpreter for the whole job. It imports
:mod:`model_runner.shell` once, calls ``configure(config_json)`` once and then
``run_task(...)`` per task. Everything a model author touches is here too: the
``ctx`` object (:class:`Context`), CANDLE-style parameter files
(:mod:`model_runner.params`) and :func:`run_model` for running one model by hand.

Only the standard library is imported here, so importing the package stays cheap;
torch and numpy are needed only by the example models.
"""
from .context import Context
from .params import load_default_params, merge_params
from .standalone import TaskOutcome, run_model

__all__ = ["Context", "TaskOutcome", "load_default_params", "merge_params", "run_model"]
