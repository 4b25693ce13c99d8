#!/usr/bin/env bash
# compare_builds.py on a quiet machine that is not Debian (the lent H200 host: Ubuntu 24.04, 16 cores, a venv
# python3, no R, no sqlite3.h): builds the "before" source tree and this checkout the same way (Release, no
# tests, no R, the carried SQLite prefix), installs each with its bench binaries, then runs
# benchmarks/compare_builds.py on the two install trees, interleaved.
#   bash benchmarks/compare_device.sh BEFORE_SRC RUNS [ROW_PREFIX ...]
# BEFORE_SRC: an unpacked `git archive <commit>` inside the checkout's ignored build-* space (carried).
# Results: $OUT/compare.json and $OUT/compare.log.
# SKIP_BUILD=1 reuses the install trees of an earlier call on the same warm machine.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before_src="$(cd "$1" && pwd)"
runs="$2"
shift 2
out="${OUT:-/tmp/sv-compare-out}"
mkdir -p "$out"
py="$(command -v python3)"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
echo "cpus: $(nproc --all); $("$py" -V); $(mpiexec --version 2>&1 | head -1)"

build_one() {  # source-dir build-dir prefix
  local t0=$(date +%s)
  { cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$py" -DSV_WITH_R=OFF \
          -DSV_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$root/.sqlite/usr" &&
    cmake --build "$2" --target supervisor sv-bench-store -j "$(nproc --all)" &&
    cmake --install "$2" --prefix "$3" && cp "$2/bin/sv-bench-store" "$3/bin/"; } >"$out/build-$(basename "$3").log" 2>&1
  local rc=$?
  echo "build $1 -> $3: rc=$rc in $(( $(date +%s) - t0 )) s"
  [ $rc -eq 0 ] || { grep -E -B2 -A6 "error" "$out/build-$(basename "$3").log" | head -40; exit 1; }
}
# SKIP_BUILD=1: a second call on the same (still warm) machine reuses the two install trees.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  build_one "$before_src" "$root/build-dev-before" /opt/sv-before
  build_one "$root" "$root/build-dev-after" /opt/sv-after
fi
"$py" "$root/benchmarks/compare_builds.py" --before /opt/sv-before --after /opt/sv-after --runs "$runs" \
  ${1:+--only "$@"} --json "$out/compare.json" 2>&1 | tee "$out/compare.log"
