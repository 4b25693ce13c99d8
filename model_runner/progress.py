"""The link to rank 0 for streaming progress, or an in-memory stand-in.

Inside a Supervisor worker the C++ side registers a builtin module
``_supervisor`` with ``report(task_id, payload_json)`` and ``should_stop()``.
Outside (pytest, a user running a model by hand) it does not exist; then
reports only stay on the ``ctx`` and nothing ever asks a task to stop.
"""
import importlib

__all__ = ["find_bridge", "NullBridge"]

BRIDGE_MODULE = "_supervisor"


class NullBridge:
    """Stands in for ``_supervisor`` when running outside the supervisor."""

    streaming = False

    @staticmethod
    def report(task_id, payload_json):
        """Nothing to send to: the ctx keeps the history itself."""

    @staticmethod
    def should_stop():
        """No server, no walltime: never stop."""
        return False


NULL_BRIDGE = NullBridge()


def find_bridge():
    """The ``_supervisor`` module when present, else :data:`NULL_BRIDGE`.

    Looked up once per configure()/run_model(), not per report, so the hot path
    never pays for an import attempt.
    """
    try:
        return importlib.import_module(BRIDGE_MODULE)
    except ImportError:
        return NULL_BRIDGE
