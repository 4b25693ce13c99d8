#!/usr/bin/env bash
# Configures and builds Supervisor into build/ (incremental; ccache makes rebuilds cheap).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SV_BUILD_DIR:-$root/build}"
jobs="${SV_JOBS:-$(nproc)}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j "$jobs" 2>&1 | grep -E "error|Error|warning: unused" || true
test -x "$build/bin/supervisor" || { echo "build failed: $build/bin/supervisor missing (run: cmake --build $build)" >&2; exit 1; }
