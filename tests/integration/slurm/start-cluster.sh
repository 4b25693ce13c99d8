#!/usr/bin/env bash
# Starts a Slurm cluster of N hosts (default 3) on this one machine, for the multi-host tests. Terms: a
# *host* nK is a network namespace (svc-nK) joined to the bridge svc-br by a veth pair (svc-vK outside,
# svc0 inside), with its own hostname (a UTS namespace), its own /tmp (a mount namespace with
# STATE/hosts/nK/tmp bound over /tmp) and its own slurmd; slurmctld and one munged run in the root
# namespace, the controller on the bridge's address. Everything outside /tmp is shared by every host, as a
# cluster's shared file system is: STATE itself (config, key, spool, logs, pid files) and the run
# directories the tests put under it. Addresses: the subnet SUBNET.0/24 below (the bridge .254, nK .K);
# site_configs/local-cluster.yaml names the same subnet for Open MPI.
#
# It first stops whatever an earlier, crashed run left (stop-cluster.sh: the pids in STATE, the
# namespaces, links and bridge of these names), then starts, waits (bounded) until every host is idle,
# and prints `SLURM_CONF=STATE/slurm.conf`. Needs root.
#   usage: start-cluster.sh STATE_DIR [HOSTS] [TIMEOUT_S]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/slurm-common.sh"
source "$here/cluster-names.sh"
state="${1:?usage: start-cluster.sh STATE_DIR [HOSTS] [TIMEOUT_S]}"
hosts="${2:-3}"
timeout_s="${3:-30}"
slurm_check_tools ip nsenter unshare
[[ "$hosts" =~ ^[1-9]$ ]] || { echo "$0: HOSTS must be 1..9, got '$hosts'" >&2; exit 2; }
mkdir -p "$state"
state="$(cd "$state" && pwd)"
case "$state/" in
  /tmp/*) echo "$0: STATE_DIR $state is under /tmp, which every host has its own of; choose a folder outside /tmp" >&2; exit 2 ;;
esac

# Step 0: what an earlier run left, then a clean folder.
bash "$here/stop-cluster.sh" "$state"
find "$state" -mindepth 1 -delete
# A start that fails half-way takes down what it started.
trap 'rc=$?; [ $rc -eq 0 ] || bash "$here/stop-cluster.sh" "$state"; exit $rc' EXIT

# Step 1: the network. The bridge takes the controller's address; each host is one namespace on it.
ip link add "$CLUSTER_BRIDGE" type bridge stp_state 0 forward_delay 0
ip addr add "$CLUSTER_SUBNET.254/24" dev "$CLUSTER_BRIDGE"
ip link set "$CLUSTER_BRIDGE" up
for k in $(seq 1 "$hosts"); do
  ns="$(cluster_netns "$k")"
  ip netns add "$ns"
  ip link add "$(cluster_veth "$k")" type veth peer name "$CLUSTER_HOST_IF" netns "$ns"
  ip link set "$(cluster_veth "$k")" master "$CLUSTER_BRIDGE" up
  ip -n "$ns" addr add "$CLUSTER_SUBNET.$k/24" dev "$CLUSTER_HOST_IF"
  ip -n "$ns" link set "$CLUSTER_HOST_IF" up
  ip -n "$ns" link set lo up
done

# Step 2: munge, with a fresh key; its socket is a file in STATE, so it serves every host.
slurm_start_munge "$state"

# Step 3: slurm.conf. The controller must be named by the real hostname, reached at the bridge address.
read -r ctld_port slurmd_port < <(slurm_free_ports 2)
slurm_write_conf "$state" svcluster "$(hostname -s)" "$CLUSTER_SUBNET.254" "$ctld_port" "$slurmd_port"
names=""
for k in $(seq 1 "$hosts"); do
  echo "NodeName=n$k NodeAddr=$CLUSTER_SUBNET.$k CPUs=2 RealMemory=1000 State=UNKNOWN" >> "$state/slurm.conf"
  names="${names:+$names,}n$k"
done
echo "PartitionName=debug Nodes=$names Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES" >> "$state/slurm.conf"
# A host that dies (the node-death test kills one) is declared down after 30 s instead of 5 minutes, so its
# job can end.
echo "SlurmdTimeout=30" >> "$state/slurm.conf"
export SLURM_CONF="$state/slurm.conf"

# Step 4: the controller (root namespace), then one slurmd per host. `nsenter --net` + `unshare`, not
# `ip netns exec`: the latter remounts /sys, which hides /sys/fs/cgroup from slurmd. The private /tmp
# keeps the hosts' PMIx folders apart (two slurmds sharing /tmp collide on spmix_appdir_*).
slurmctld -f "$SLURM_CONF"
for k in $(seq 1 "$hosts"); do
  mkdir -p "$state/hosts/n$k/tmp"
  chmod 1777 "$state/hosts/n$k/tmp"
  nsenter --net="/var/run/netns/$(cluster_netns "$k")" unshare --uts --mount --propagation private \
    sh -c 'hostname "$1" && mount --make-rprivate / && mount --bind "$2" /tmp && exec slurmd -f "$3" -N "$1"' \
    sh "n$k" "$state/hosts/n$k/tmp" "$SLURM_CONF"
done

# Step 5: wait for every host to be idle.
slurm_wait_idle "$state" "$names" "$timeout_s"
echo "SLURM_CONF=$SLURM_CONF"
