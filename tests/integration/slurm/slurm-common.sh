# Shared by start-slurm.sh (one node on localhost) and start-cluster.sh (N hosts in network namespaces):
# the munge daemon, the slurm.conf lines every test cluster has, free ports, and the wait for idle nodes.
# Everything lives inside one STATE folder (key, socket, config, spool, logs, pid files); nothing under
# /etc is touched. Sourced, not run.

# Fails with one line when a tool the cluster needs is missing, or when not root (slurmd must be).
slurm_check_tools() {
  local bin
  for bin in munged slurmctld slurmd sinfo "$@"; do
    command -v "$bin" >/dev/null || { echo "$0: $bin not found (install slurm-wlm and munge: bash scripts/install-deps.sh)" >&2; exit 3; }
  done
  [ "$(id -u)" -eq 0 ] || { echo "$0: needs root (slurmd runs jobs as their users)" >&2; exit 4; }
}

# Makes STATE's folders and starts munged with a fresh key of its own; its socket is a file in STATE, so
# one munged serves every host that sees STATE.
slurm_start_munge() {
  local state="$1"
  chmod 755 "$state"          # munged runs as the munge user and must reach its folder
  mkdir -p "$state/munge" "$state/spool" "$state/log"
  chown munge:munge "$state/munge"
  chmod 700 "$state/munge"
  head -c 1024 /dev/urandom > "$state/munge/munge.key"
  chown munge:munge "$state/munge/munge.key"
  chmod 400 "$state/munge/munge.key"
  runuser -u munge -- munged --force --socket="$state/munge/munge.socket" --key-file="$state/munge/munge.key" \
    --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" --seed-file="$state/munge/munged.seed"
}

# Prints N ports that are free on this host now (bound once to port 0, then released).
slurm_free_ports() {
  /usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("0.0.0.0", 0))
print(*(s.getsockname()[1] for s in socks))
PY
}

# Writes the cluster-wide part of STATE/slurm.conf; the caller appends NodeName and PartitionName lines.
# Per-node files use %n (the node's name), so several slurmds can share STATE.
#   slurm_write_conf STATE CLUSTER_NAME CONTROLLER_HOST CONTROLLER_ADDR CTLD_PORT SLURMD_PORT
slurm_write_conf() {
  local state="$1" cluster="$2" host="$3" addr="$4" ctld_port="$5" slurmd_port="$6"
  mkdir -p "$state/spool/slurmctld"
  cat > "$state/slurm.conf" <<CONF
ClusterName=${cluster}
SlurmctldHost=${host}(${addr})
SlurmctldPort=${ctld_port}
SlurmdPort=${slurmd_port}
AuthType=auth/munge
AuthInfo=socket=${state}/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SlurmctldPidFile=${state}/slurmctld.pid
SlurmdPidFile=${state}/slurmd-%n.pid
SlurmdSpoolDir=${state}/spool/slurmd-%n
StateSaveLocation=${state}/spool/slurmctld
SlurmUser=root
SlurmctldLogFile=${state}/log/slurmctld.log
SlurmdLogFile=${state}/log/slurmd-%n.log
ReturnToService=2
MpiDefault=pmix
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
InactiveLimit=0
KillWait=5
MinJobAge=600
CONF
}

# Waits (bounded) until every node named in NODES (comma-separated) is idle; on timeout prints what
# sinfo says and the logs' tails, and exits 5.
#   slurm_wait_idle STATE NODES TIMEOUT_S
slurm_wait_idle() {
  local state="$1" nodes="$2" timeout_s="$3"
  local want deadline
  want="$(tr ',' '\n' <<<"$nodes" | wc -l)"
  deadline=$((SECONDS + timeout_s))
  until [ "$(sinfo -h -N -n "$nodes" -o '%N %t' 2>/dev/null | awk '$2 == "idle"' | wc -l)" -eq "$want" ]; do
    if [ $SECONDS -ge $deadline ]; then
      echo "$0: nodes $nodes not all idle after ${timeout_s}s; sinfo says: $(sinfo -h -N -o '%N %t' 2>&1 | tr '\n' ' ')" >&2
      tail -n 5 "$state"/log/*.log "$state/munge/munged.log" >&2 2>/dev/null || true
      exit 5
    fi
    sleep 0.3
  done
}

# Stops one daemon by the pid in PIDFILE: TERM, then KILL after 10 s. Missing or stale files are fine.
slurm_stop_pidfile() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 0
  pid="$(tr -dc 0-9 < "$pidfile")"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
