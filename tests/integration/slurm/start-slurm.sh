#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine for the integration tests, entirely inside STATE_DIR:
# its own munged (own key and socket), slurmctld and slurmd on free ports, slurm.conf naming the real
# host, spool, state, logs and pid files. Nothing under /etc is touched. Waits (bounded) until `sinfo`
# shows the node idle, then prints `SLURM_CONF=STATE_DIR/slurm.conf` for the caller to export.
# Stop it with stop-slurm.sh STATE_DIR (it kills only the pids recorded here). Needs root (slurmd does).
# The parts it shares with start-cluster.sh (several hosts) are in slurm-common.sh.
#   usage: start-slurm.sh STATE_DIR [TIMEOUT_S]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/slurm-common.sh"
state="${1:?usage: start-slurm.sh STATE_DIR [TIMEOUT_S]}"
timeout_s="${2:-60}"
slurm_check_tools

mkdir -p "$state"
state="$(cd "$state" && pwd)"

# Step 1: munge, with a fresh key of our own.
slurm_start_munge "$state"

# Step 2: slurm.conf for this host, on two free ports.
host="$(hostname -s)"
read -r ctld_port slurmd_port < <(slurm_free_ports 2)
slurm_write_conf "$state" svtest "$host" 127.0.0.1 "$ctld_port" "$slurmd_port"
cat >> "$state/slurm.conf" <<CONF
NodeName=${host} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$state/slurm.conf"

# Step 3: the daemons (both as root, both writing pid files stop-slurm.sh reads).
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

# Step 4: wait for the node to be idle.
slurm_wait_idle "$state" "$host" "$timeout_s"
echo "SLURM_CONF=$SLURM_CONF"
