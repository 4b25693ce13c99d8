#!/usr/bin/env bash
# On a GPU machine that is not Debian (the lent H200: Ubuntu 24.04, a venv python3, no R, no sqlite3.h):
# configure with the venv's Python, -DSV_WITH_R=OFF and a carried SQLite prefix, build, install to a
# prefix, check the install tree from outside the checkout, then run benchmarks/gpu_packing.py.
#   bash benchmarks/gpu_device_run.sh RUNS [TASKS [EXTRA]]  (RUNS as gpu_packing.py --runs; EXTRA: more of
#   its options, e.g. --uno-files; results in $OUT)
# SKIP_SMOKE=1 goes straight from the install to the benchmark (a second call).
# The SQLite prefix: Debian 12's libsqlite3-dev and libsqlite3-0 unpacked with `dpkg -x` into .sqlite/
# (README: Building where sqlite3.h is missing), named in the device tool's `carry`.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-/tmp/sv-device-out}"
mkdir -p "$out"
runs="${1:-sup:16,bare:16}"
tasks="${2:-96}"
extra="${3:-}"
build="$root/build-device"
prefix="/opt/sv-install"
py="$(command -v python3)"
log="$out/build.log"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1

echo "== machine"
uname -srm; echo "cpus: $(nproc --all), usable by this shell: $(nproc)"; "$py" -V; echo "python3: $py"; cmake --version | head -1; mpiexec --version 2>&1 | head -1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
command -v nvidia-cuda-mps-control || echo "no nvidia-cuda-mps-control"

echo "== configure + build + install (log: build.log)"
t0=$(date +%s)
{
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$py" -DSV_WITH_R=OFF \
        -DSV_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$root/.sqlite/usr" &&
  cmake --build "$build" --target supervisor -j "$(nproc --all)" &&
  cmake --install "$build" --prefix "$prefix"
} >"$log" 2>&1
rc=$?
echo "configure+build+install: rc=$rc in $(( $(date +%s) - t0 )) s"
grep -E "Embedded R|SQLite|Python3|error" "$log" | head -20
[ $rc -eq 0 ] || { tail -40 "$log"; exit 1; }
sv="$prefix/bin/supervisor"

if [ "${SKIP_SMOKE:-0}" = 1 ]; then
  python3 "$root/benchmarks/gpu_packing.py" --binary "$sv" --runs "$runs" --tasks "$tasks" $extra --out "$out/gpu_packing.json"
  exit $?
fi
echo "== install tree, from outside the checkout"
work=$(mktemp -d /tmp/sv-outside-XXXX)
cd "$work"
cat > r-model.yaml <<'EOF'
name: r-model
workflow: sweep
model: {kind: r, entry: "model.R:run"}
sweep: {grid: {x: [1, 2]}}
objective: {metric: y}
EOF
"$sv" validate r-model.yaml; echo "validate R workflow: exit $?"
for wf in hpo-ga hpo-tpe; do
  [ -f "$root/workflows/$wf.yaml" ] && { "$sv" validate "$root/workflows/$wf.yaml"; echo "validate $wf: exit $?"; }
done
cat > smoke.yaml <<'EOF'
name: gpu-smoke
workflow: sweep
model:
  kind: python
  entry: model_runner.examples.uno:run
  defaults: {epochs: 5, n_rows: 40000, batch_size: 256, device: cuda, checkpoint_every: 0, save_weights: false}
sweep: {grid: {learning_rate: [0.001, 0.003, 0.01, 0.02], seed: [1, 2, 3, 4]}}
objective: {metric: val_loss, goal: minimize}
resources: {workers: 8, preload: [torch, numpy], workers_per_gpu: 8}
EOF
t0=$(date +%s)
"$sv" run smoke.yaml --out "$work/smoke" > smoke.out 2>&1; rc=$?
echo "install-tree run (16 uno trainings, 8 workers on one GPU): exit $rc in $(( $(date +%s) - t0 )) s"
tail -5 smoke.out
"$sv" status "$work/smoke" 2>&1 | tail -15
cp "$work/smoke/supervisor.db" "$out/smoke.db" 2>/dev/null
"$sv" report "$work/smoke" --out "$out/smoke-report.html" > /dev/null 2>&1 && echo "report: ok" || echo "report: failed"

echo "== benchmark: $runs ($tasks trainings)"
python3 "$root/benchmarks/gpu_packing.py" --binary "$sv" --runs "$runs" --tasks "$tasks" $extra --out "$out/gpu_packing.json"
echo "== done"
