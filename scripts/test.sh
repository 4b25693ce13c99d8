#!/usr/bin/env bash
# The whole test suite: installs what is missing from Debian, builds, then runs every test through ctest
# (Catch2 unit tests, pytest for the Python packages, real-mpiexec integration runs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SV_BUILD_DIR:-$root/build}"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
cd "$build"
ctest -j2 --output-on-failure --timeout 3600 "$@"
