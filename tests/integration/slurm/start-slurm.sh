#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine for the integration tests, entirely inside STATE_DIR:
# its own munged (own key and socket), slurmctld and slurmd on free ports, slurm.conf naming the real
# host, spool, state, logs and pid files. Nothing under /etc is touched. Waits (bounded) until `sinfo`
# shows the node idle, then prints `SLURM_CONF=STATE_DIR/slurm.conf` for the caller to export.
# Stop it with stop-slurm.sh STATE_DIR (it kills only the pids recorded here). Needs root (slurmd does).
#   usage: start-slurm.sh STATE_DIR [TIMEOUT_S]
set -euo pipefail
state="${1:?usage: start-slurm.sh STATE_DIR [TIMEOUT_S]}"
timeout_s="${2:-60}"
for bin in munged slurmctld slurmd sinfo; do
  command -v "$bin" >/dev/null || { echo "start-slurm: $bin not found (install slurm-wlm and munge: bash scripts/install-deps.sh)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "start-slurm: needs root (slurmd runs jobs as their users)" >&2; exit 4; }

mkdir -p "$state"
state="$(cd "$state" && pwd)"
chmod 755 "$state"          # munged runs as the munge user and must reach its folder
mkdir -p "$state/munge" "$state/spool/slurmd" "$state/spool/slurmctld" "$state/log"
chown munge:munge "$state/munge"
chmod 700 "$state/munge"

# Step 1: munge, with a fresh key of our own.
head -c 1024 /dev/urandom > "$state/munge/munge.key"
chown munge:munge "$state/munge/munge.key"
chmod 400 "$state/munge/munge.key"
runuser -u munge -- munged --force --socket="$state/munge/munge.socket" --key-file="$state/munge/munge.key" \
  --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" --seed-file="$state/munge/munged.seed"

# Step 2: slurm.conf for this host, on two free ports.
host="$(hostname -s)"
read -r ctld_port slurmd_port < <(/usr/bin/python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)
cat > "$state/slurm.conf" <<CONF
ClusterName=svtest
SlurmctldHost=${host}(127.0.0.1)
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
SlurmdPidFile=${state}/slurmd.pid
SlurmdSpoolDir=${state}/spool/slurmd
StateSaveLocation=${state}/spool/slurmctld
SlurmUser=root
SlurmctldLogFile=${state}/log/slurmctld.log
SlurmdLogFile=${state}/log/slurmd.log
ReturnToService=2
MpiDefault=pmix
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
InactiveLimit=0
KillWait=5
MinJobAge=600
NodeName=${host} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$state/slurm.conf"

# Step 3: the daemons (both as root, both writing pid files stop-slurm.sh reads).
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

# Step 4: wait for the node to be idle.
deadline=$((SECONDS + timeout_s))
until [ "$(sinfo -h -n "$host" -o %t 2>/dev/null | head -1)" = "idle" ]; do
  if [ $SECONDS -ge $deadline ]; then
    echo "start-slurm: node $host not idle after ${timeout_s}s; sinfo says: $(sinfo -h -o '%n %t' 2>&1 | head -3)" >&2
    tail -n 5 "$state/log/slurmctld.log" "$state/log/slurmd.log" "$state/munge/munged.log" >&2 2>/dev/null || true
    exit 5
  fi
  sleep 0.5
done
echo "SLURM_CONF=$SLURM_CONF"
