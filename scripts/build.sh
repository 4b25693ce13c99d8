#!/usr/bin/env bash
# Configures and builds Supervisor into build/ (incremental; ccache makes rebuilds cheap).
# A failed configure or compile fails this script (non-zero) and prints the compiler's errors, so a stale
# binary from an earlier build can never stand in for a broken tree (test.sh and CI stop here).
#   SV_BUILD_DIR   build folder (default: build/ in the checkout)
#   SV_SOURCE_DIR  CMake source folder (default: the checkout; tests point it at a tiny project)
#   SV_JOBS        parallel compile jobs (default: nproc)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="${SV_SOURCE_DIR:-$root}"
build="${SV_BUILD_DIR:-$root/build}"
jobs="${SV_JOBS:-$(nproc)}"
mkdir -p "$build"
log="$build/build.log"

# fail STEP: the lines of the log that say what went wrong (with the compiler's context), then the verdict.
fail() {
  echo "build failed ($1): errors from $log:" >&2
  grep -E -B2 -A6 'error:|CMake Error|Error [0-9]+|undefined reference' "$log" | head -n 200 >&2 || tail -n 60 "$log" >&2
  echo "build failed ($1): fix the errors above, then run: bash scripts/build.sh" >&2
  exit 1
}

# Configure when there is no build system yet (also after a configure that failed half-way).
if [ ! -f "$build/CMakeCache.txt" ] || { [ ! -f "$build/Makefile" ] && [ ! -f "$build/build.ninja" ]; }; then
  cmake -S "$source_dir" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log" 2>&1 || fail configure
fi
# The full output goes to the log; on success only the warnings worth a look are shown.
cmake --build "$build" -j "$jobs" >"$log" 2>&1 || fail compile
grep -E "warning: unused" "$log" || true
