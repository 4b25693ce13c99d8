"""The one error a user can cause here; __main__ prints it as one line and exits with status 2."""


class ReportError(Exception):
    """A run directory that cannot be reported on: not a run, no tasks, a missing plotting library."""
