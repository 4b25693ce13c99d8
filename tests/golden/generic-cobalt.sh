#!/bin/bash
#COBALT --jobname sv-campaign
#COBALT -n 2
#COBALT -t 60
#COBALT -q default
#COBALT -O /scratch/user/runs/campaign/job-$jobid
#
# Supervisor job, rendered by `supervisor submit` for site generic-cobalt (cobalt, aprun):
# 2 nodes x 4 workers + 1 server rank = 9 MPI ranks, walltime 1:00:00.
# Run directory: /scratch/user/runs/campaign

# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.
export SV_SITE=generic-cobalt
export SV_WALLTIME_S=3600

cd /scratch/user/runs/campaign || exit 1
rm -f /scratch/user/runs/campaign/supervisor.exit
if [ "${SV_JOB_MODE:-run}" = resume ]; then
  aprun -n 9 -N 5 -d 12 -j 1 -cc depth /opt/supervisor/bin/supervisor resume /scratch/user/runs/campaign
else
  aprun -n 9 -N 5 -d 12 -j 1 -cc depth /opt/supervisor/bin/supervisor run /home/user/campaign/hpo.yaml --out /scratch/user/runs/campaign
fi
status=$?
if [ -s /scratch/user/runs/campaign/supervisor.exit ]; then status=$(cat /scratch/user/runs/campaign/supervisor.exit); fi

# Unless the run is done, submit the next job (at most 2 successors in all; the store's submissions table counts them).
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign
exit $status
