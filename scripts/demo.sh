#!/usr/bin/env bash
# The main job on the bundled example: installs what is missing, builds, and runs a sweep of real
# PyTorch trainings of the `uno` drug-response model on 2 workers, ending with the best results and
# where the run's files are.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SV_BUILD_DIR:-$root/build}"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
cd "$root"
exec "$build/bin/supervisor" run workflows/uno-sweep.yaml "$@"
