#!/bin/bash
#
# Supervisor job, rendered by `supervisor submit` for site local (local, mpiexec):
# 1 node x 2 workers + 1 server rank = 3 MPI ranks, walltime 1:00:00.
# Run directory: /scratch/user/runs/campaign

# Site environment (values are literal).
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.
export SV_SITE=local
export SV_WALLTIME_S=3600

cd /scratch/user/runs/campaign || exit 1
rm -f /scratch/user/runs/campaign/supervisor.exit
if [ "${SV_JOB_MODE:-run}" = resume ]; then
  mpiexec -n 3 --oversubscribe --bind-to none /opt/supervisor/bin/supervisor resume /scratch/user/runs/campaign
else
  mpiexec -n 3 --oversubscribe --bind-to none /opt/supervisor/bin/supervisor run /home/user/campaign/hpo.yaml --out /scratch/user/runs/campaign
fi
status=$?
if [ -s /scratch/user/runs/campaign/supervisor.exit ]; then status=$(cat /scratch/user/runs/campaign/supervisor.exit); fi

# Unless the run is done, submit the next job (at most 2 successors in all; the store's submissions table counts them).
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign
exit $status
