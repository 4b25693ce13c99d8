#!/usr/bin/env bash
# Installs what Supervisor needs from Debian's archive, idempotently: a machine that already
# has every package pays one dpkg query (well under a second), not an apt-get run.
set -euo pipefail

PACKAGES=(
  build-essential cmake ccache pkg-config
  libopenmpi-dev openmpi-bin
  python3-dev python3-numpy python3-yaml python3-pytest python3-torch python3-sklearn
  python3-deap python3-optuna python3-matplotlib python3-mpi4py python3-distributed
  nlohmann-json3-dev libsqlite3-dev sqlite3 libboost-dev libboost-filesystem-dev
  libyaml-cpp-dev catch2 libcli11-dev
  r-base-dev r-cran-rinside r-cran-rcpp r-cran-ranger r-cran-lhs r-cran-randomforest
  r-cran-jsonlite r-cran-testthat
  chromium fonts-dejavu-core
  slurm-wlm munge iproute2 libfabric1
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
