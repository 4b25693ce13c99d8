#!/usr/bin/env bash
# Stops what start-slurm.sh STATE_DIR started, by the pids in its pid files only: slurmd, slurmctld,
# munged; TERM first, KILL after 10 s.
#   usage: stop-slurm.sh STATE_DIR
set -uo pipefail
state="${1:?usage: stop-slurm.sh STATE_DIR}"
for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid" "$state/munge/munged.pid"; do
  [ -f "$pidfile" ] || continue
  pid="$(tr -dc 0-9 < "$pidfile")"
  [ -n "$pid" ] || continue
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
done
exit 0
