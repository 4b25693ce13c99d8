#!/usr/bin/env bash
# Stops what start-cluster.sh STATE_DIR started, and is safe to run any number of times (also on a
# folder a crashed run left, or one that does not exist): the slurmds, slurmctld and munged by the pids in
# STATE's pid files (TERM, KILL after 10 s); then every process still inside one of the cluster's network
# namespaces (job steps and the ranks they started: all of them were started through the slurmds), then
# the namespaces, their links and the bridge, by the names in cluster-names.sh.
#   usage: stop-cluster.sh STATE_DIR
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/slurm-common.sh"
source "$here/cluster-names.sh"
state="${1:?usage: stop-cluster.sh STATE_DIR}"
for pidfile in "$state"/slurmd-*.pid "$state/slurmctld.pid" "$state/munge/munged.pid"; do
  slurm_stop_pidfile "$pidfile"
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$(cluster_netns '')[0-9]+$"); do
  for _ in 1 2 3; do
    pids="$(ip netns pids "$ns" 2>/dev/null)"
    [ -n "$pids" ] || break
    kill -KILL $pids 2>/dev/null
    sleep 0.2
  done
  ip netns del "$ns" 2>/dev/null
done
for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$(cluster_veth '')[0-9]+$"); do
  ip link del "$link" 2>/dev/null
done
ip link del "$CLUSTER_BRIDGE" 2>/dev/null
exit 0
