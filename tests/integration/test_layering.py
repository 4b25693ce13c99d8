"""The layering DESIGN.md promises, checked on the tree and on the build: MPI is called from the
balancer only, and the engine links no interpreter (an optimizer reaches it as a port started by eq).
Here rather than in tests/python: it reads the main tree's test targets, which the without-R tree lacks."""
import os
import pathlib
import re

from conftest import BUILD

ROOT = pathlib.Path(os.environ.get("SV_SOURCE_ROOT", pathlib.Path(__file__).resolve().parents[2]))


def test_mpi_h_is_included_under_the_balancer_only():
    including = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "supervisor").rglob("*.[ch]pp")
                       if re.search(r'#\s*include\s*[<"]mpi\.h[>"]', p.read_text(errors="replace")))
    assert including, "no file includes mpi.h: the check looks in the wrong place"
    assert all(p.startswith("supervisor/balancer/") for p in including), including


def test_the_engine_links_no_python_r_or_mpi():
    # The engine's unit tests link sv_engine and everything it brings, and nothing of the CLI.
    link = BUILD / "tests" / "cpp" / "CMakeFiles" / "sv_test_engine.dir" / "link.txt"
    assert link.exists(), f"{link}: build the tree first (SV_BUILD_DIR)"
    words = link.read_text().split()
    assert any("sv_engine" in w for w in words), words
    for banned in ("python3", "libR.", "RInside", "Rcpp", "libmpi", "openmpi", "mpich", "sv_balancer_mpi",
                   "sv_pyembed", "sv_rembed", "libsv_eq.a", "libsv_eq_r.a"):
        assert not [w for w in words if banned in w], (banned, [w for w in words if banned in w])
