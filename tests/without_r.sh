#!/usr/bin/env bash
# CI's second tree: the build a site without R makes (-DSV_WITH_R=OFF). Configures and builds it (ccache
# makes this mostly hits: only the files that learn SV_WITH_R differ), checks that `validate` of an R
# workflow exits 2 with one line saying the build has no R, then runs the Python-side tests against it.
#   bash tests/without_r.sh SOURCE_ROOT TREE
set -euo pipefail
root="$1"
tree="$2"
cmake -S "$root" -B "$tree" -DSV_WITH_R=OFF -DSV_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$tree" --target supervisor -j "${SV_JOBS:-2}" >"$tree/build.log" 2>&1 ||
  { tail -40 "$tree/build.log"; exit 1; }
sv="$tree/bin/supervisor"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/r-model.yaml" <<'YAML'
workflow: sweep
model: {kind: r, entry: "model.R:run"}
sweep: {grid: {x: [1, 2]}}
objective: {metric: y}
YAML
echo 'run <- function(p) list(y = p$x)' >"$work/model.R"
check_refused() {  # FILE EXPECTED-TEXT
  set +e
  "$sv" validate "$1" >"$work/out" 2>"$work/err"
  local rc=$?
  set -e
  if [ $rc -ne 2 ] || [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -q "$2" "$work/err"; then
    echo "FAIL: validate $1 without R: exit $rc (want 2 and one line with '$2'):"; cat "$work/err"; exit 1
  fi
  echo "ok: validate $(basename "$1") without R: exit 2: $(cat "$work/err")"
}
check_refused "$work/r-model.yaml" "kind r needs R, but this supervisor was built without it"
check_refused "$root/workflows/hpo-mbo.yaml" "language r needs R, but this supervisor was built without it"
"$sv" validate "$root/workflows/sweep-quadratic.yaml" >/dev/null

cd "$root"
PYTHONPATH="$root" SV_SOURCE_ROOT="$root" SV_BUILD_DIR="$tree" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  tests/python tests/integration/test_sweep_runs.py tests/integration/test_gpu_packing.py \
  tests/integration/test_site_build.py
