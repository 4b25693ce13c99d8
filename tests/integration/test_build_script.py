"""scripts/build.sh fails on a failed build: it is run on a one-file CMake project (SV_SOURCE_DIR) in a
fresh build folder, so a compile or configure error costs seconds, not a full build of Supervisor."""
import os
import subprocess

from conftest import ROOT

BUILD_SH = ROOT / "scripts" / "build.sh"

CMAKELISTS = """cmake_minimum_required(VERSION 3.18)
project(tiny LANGUAGES CXX)
add_executable(tiny main.cpp)
"""
GOOD = "int main() { return 0; }\n"
BROKEN = "int main() { return undeclared_name_in_tiny_project; }\n"


def tiny_project(tmp_path, source, cmakelists=CMAKELISTS):
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "CMakeLists.txt").write_text(cmakelists)
    (src / "main.cpp").write_text(source)
    return src


def build_sh(src, build):
    env = dict(os.environ, SV_SOURCE_DIR=str(src), SV_BUILD_DIR=str(build), SV_JOBS="1")
    return subprocess.run(["bash", str(BUILD_SH)], env=env, capture_output=True, text=True, timeout=300)


def test_build_sh_fails_and_shows_the_compiler_error_in_a_fresh_build_dir(tmp_path):
    src = tiny_project(tmp_path, BROKEN)
    proc = build_sh(src, tmp_path / "build")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "undeclared_name_in_tiny_project" in proc.stderr
    assert "build failed (compile)" in proc.stderr


def test_build_sh_fails_when_a_stale_build_would_hide_a_broken_tree(tmp_path):
    src = tiny_project(tmp_path, GOOD)
    build = tmp_path / "build"
    first = build_sh(src, build)
    assert first.returncode == 0, first.stdout + first.stderr
    (src / "main.cpp").write_text(BROKEN)
    second = build_sh(src, build)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "undeclared_name_in_tiny_project" in second.stderr


def test_build_sh_fails_on_a_configure_error(tmp_path):
    src = tiny_project(tmp_path, GOOD, CMAKELISTS + "message(FATAL_ERROR \"tiny project refuses\")\n")
    proc = build_sh(src, tmp_path / "build")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "tiny project refuses" in proc.stderr
    assert "build failed (configure)" in proc.stderr
