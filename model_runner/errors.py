"""Failure messages in the shape the C++ side stores: one line, a blank line, a traceback.

The first line is what a user sees in ``supervisor status`` and in reports, so it
names the exception and, through ``where``, the model and node. The traceback
starts at the model's own frames: the runner's frames only add noise.
"""
import os
import traceback

__all__ = ["TaskFailure", "describe_exception", "first_line"]

_RUNNER_FILES = frozenset(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    for name in ("runner.py", "shell.py", "standalone.py"))
_MAX_LINE = 500


class TaskFailure(Exception):
    """A failed evaluation that is not a bug in the model: NaN objective, missing metric..."""


def first_line(text):
    """The first non-blank line of ``text``, cut to a length a status table can show."""
    for line in str(text).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= _MAX_LINE else line[:_MAX_LINE - 3] + "..."
    return ""


def describe_exception(exc, where=""):
    """``"<Type>: <message> [where]\\n\\n<traceback>"`` for an exception raised by a model."""
    try:
        message = first_line(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the failure
        message = "<unprintable message>"
    if isinstance(exc, SystemExit):
        head = f"model called sys.exit({exc.code!r})"
    else:
        head = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if where:
        head = f"{head} [{where}]"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None and \
            os.path.abspath(tb.tb_frame.f_code.co_filename) in _RUNNER_FILES:
        tb = tb.tb_next
    try:
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    except Exception:  # noqa: BLE001
        text = f"{type(exc).__name__} (traceback unavailable)\n"
    return f"{head}\n\n{text.rstrip()}"
