#!/bin/bash
#PBS -N sv-campaign
#PBS -l select=2:ncpus=32:ngpus=4:mpiprocs=5
#PBS -l walltime=2:00:00
#PBS -q workq
#PBS -j oe
#PBS -o /scratch/user/runs/campaign/job.out
#PBS -l place=scatter
#
# Supervisor job, rendered by `supervisor submit` for site generic-pbs (pbs, mpiexec):
# 2 nodes x 4 workers + 1 server rank = 9 MPI ranks, walltime 2:00:00.
# Run directory: /scratch/user/runs/campaign

# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.
export SV_SITE=generic-pbs
export SV_WALLTIME_S=7200
export SV_GPUS_PER_WORKER=1
export SV_GPUS_PER_NODE=4
export SV_GPU_VENDOR=nvidia

cd /scratch/user/runs/campaign || exit 1
rm -f /scratch/user/runs/campaign/supervisor.exit
if [ "${SV_JOB_MODE:-run}" = resume ]; then
  mpiexec -n 9 --ppn 5 /opt/supervisor/bin/supervisor resume /scratch/user/runs/campaign
else
  mpiexec -n 9 --ppn 5 /opt/supervisor/bin/supervisor run /home/user/campaign/hpo.yaml --out /scratch/user/runs/campaign
fi
status=$?
if [ -s /scratch/user/runs/campaign/supervisor.exit ]; then status=$(cat /scratch/user/runs/campaign/supervisor.exit); fi

# Unless the run is done, submit the next job (at most 2 successors in all; the store's submissions table counts them).
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign
exit $status
