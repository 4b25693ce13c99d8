"""The one error a user can cause here; __main__ prints it (and the store reader's RunStoreError) as one
line and exits with status 2."""
from sv_runstore import RunStoreError


class ReportError(RunStoreError):
    """A run directory that cannot be reported on: not a run, no tasks, a missing plotting library."""
