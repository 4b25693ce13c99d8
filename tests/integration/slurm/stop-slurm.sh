#!/usr/bin/env bash
# Stops what start-slurm.sh STATE_DIR started, by the pids in its pid files only: slurmd, slurmctld,
# munged; TERM first, KILL after 10 s.
#   usage: stop-slurm.sh STATE_DIR
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/slurm-common.sh"
state="${1:?usage: stop-slurm.sh STATE_DIR}"
for pidfile in "$state"/slurmd-*.pid "$state/slurmctld.pid" "$state/munge/munged.pid"; do
  slurm_stop_pidfile "$pidfile"
done
exit 0
