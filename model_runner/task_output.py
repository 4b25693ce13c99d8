"""A task's output into its own folder: ``stdout.log`` and ``stderr.log`` in ``tasks/<node>/``.

The redirect is made on file descriptors 1 and 2 (``os.dup2``), not on ``sys.stdout``, so what C
extensions print and what child processes inherit lands there too, as for R and app tasks. Both
shells (the embedded interpreter and the isolated child) run tasks through here; the worker's own
descriptors come back after the call.
"""
import ctypes
import os
import sys

__all__ = ["TaskOutput"]

_LIBC = None


def _flush_all():
    """Empty every buffer that holds output for fds 1 and 2: Python's streams and C's stdio."""
    global _LIBC
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    try:
        if _LIBC is None:
            _LIBC = ctypes.CDLL(None)
        _LIBC.fflush(None)
    except (OSError, AttributeError):
        pass


class TaskOutput:
    """``with TaskOutput(folder):`` sends fds 1 and 2 to folder/stdout.log and folder/stderr.log
    (each attempt starts them afresh, as the R shell does) and restores them on exit."""

    def __init__(self, folder):
        self.folder = folder
        self.saved = None

    def __enter__(self):
        _flush_all()  # what was printed before the task stays where it was going
        saved = []
        try:
            for fd, name in ((1, "stdout.log"), (2, "stderr.log")):
                target = os.open(os.path.join(self.folder, name),
                                 os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
                saved.append((fd, os.dup(fd)))
                os.dup2(target, fd)  # the copy on fd 1/2 is inheritable: children write there too
                os.close(target)
        except OSError:
            self._restore(saved)
            raise
        self.saved = saved
        return self

    def __exit__(self, *exc):
        _flush_all()
        self._restore(self.saved or [])
        self.saved = None
        return False

    @staticmethod
    def _restore(saved):
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
