"""A skipped test is a failed test: the suite runs in CI on a machine where scripts/install-deps.sh
installed everything (torch, numpy, Slurm, root), so a skip can only mean that something which should
have been tested was not. Both conftests (tests/python, tests/integration) import these hooks, so the
rule holds for ctest, CI and a developer's own pytest alike. Expected failures (xfail) are left alone."""
import pytest


def _as_failure(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = (f"skipped, and a skip is a failure in this suite: {reason}\n"
                           "(install what is missing with `bash scripts/install-deps.sh`, or make the test run)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _as_failure(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _as_failure(outcome.get_result())
