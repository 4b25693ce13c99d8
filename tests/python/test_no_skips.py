"""The suite's rule (tests/pytest_no_skips.py): a skip, in a test, a fixture or a whole module, fails."""
import os
import subprocess
import sys
import textwrap

TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def test_a_skipped_test_fixture_or_module_counts_as_a_failure(tmp_path):
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {TESTS!r})
        from pytest_no_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401
    """))
    (tmp_path / "test_skips.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.fixture
        def needs_root():
            pytest.skip("needs root")

        def test_skips_itself():
            pytest.skip("no GPU here")

        def test_skips_in_a_fixture(needs_root):
            pass

        @pytest.mark.xfail(reason="known", strict=True)
        def test_expected_failure():
            assert False

        def test_passes():
            pass
    """))
    (tmp_path / "test_module_skip.py").write_text("import pytest\npytest.importorskip('no_such_module_xyz')\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--continue-on-collection-errors", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed, 1 xfailed, 2 errors" in out, out
    assert "skipped" not in out.splitlines()[-1], out
    assert "a skip is a failure in this suite: no GPU here" in out
    assert "no_such_module_xyz" in out
