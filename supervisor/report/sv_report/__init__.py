"""sv_report: the HTML report of a Supervisor run (`supervisor report RUN_DIR`).

Terms: a *run* is one campaign and its SQLite store (``RUN_DIR/supervisor.db``); a *section* is one part
of the page (utilization, objective, ...), a module under ``sv_report.sections`` registered with
``@section``; a *page* is the single self-contained HTML file the sections are assembled into, every
plot embedded as a base64 PNG so the file can be mailed or copied off the machine on its own.
"""
from .errors import ReportError
# `sections()` lives in .registry only: importing the subpackage sv_report.sections rebinds that name here.
from .registry import Section, section
from sv_runstore import RunData, Task, load_run

__all__ = ["ReportError", "RunData", "Section", "Task", "build_report", "load_run", "section"]


def build_report(run_dir, out=None, strict=False, spec_text=None):
    """Loads the run in `run_dir`, renders every registered section and writes the page.

    Returns (path written, names of sections that failed). `strict` re-raises a section's error
    instead of showing it on the page; `spec_text` stands in for the recorded workflow (sv_runstore.load_run)."""
    from .page import write_report
    return write_report(run_dir, out, strict=strict, spec_text=spec_text)
