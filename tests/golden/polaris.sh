#!/bin/bash -l
#PBS -N sv-campaign
#PBS -l select=2:system=polaris
#PBS -l walltime=1:00:00
#PBS -q prod
#PBS -A CSC249ADOA01
#PBS -j oe
#PBS -o /scratch/user/runs/campaign/job.out
#PBS -l place=scatter
#PBS -l filesystems=home:eagle
#
# Supervisor job, rendered by `supervisor submit` for site polaris (pbs, mpiexec):
# 2 nodes x 4 workers + 1 server rank = 9 MPI ranks, walltime 1:00:00.
# Run directory: /scratch/user/runs/campaign

# Modules.
module load conda/2023-10-04

# Site environment (values are literal).
export MPICH_GPU_SUPPORT_ENABLED=1

# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.
export SV_SITE=polaris
export SV_WALLTIME_S=3600
export SV_GPUS_PER_WORKER=1
export SV_GPUS_PER_NODE=4
export SV_GPU_VENDOR=nvidia

cd /scratch/user/runs/campaign || exit 1
rm -f /scratch/user/runs/campaign/supervisor.exit
if [ "${SV_JOB_MODE:-run}" = resume ]; then
  mpiexec -n 9 --ppn 5 --depth=6 --cpu-bind depth /opt/supervisor/bin/supervisor resume /scratch/user/runs/campaign
else
  mpiexec -n 9 --ppn 5 --depth=6 --cpu-bind depth /opt/supervisor/bin/supervisor run /home/user/campaign/hpo.yaml --out /scratch/user/runs/campaign
fi
status=$?
if [ -s /scratch/user/runs/campaign/supervisor.exit ]; then status=$(cat /scratch/user/runs/campaign/supervisor.exit); fi

# Unless the run is done, submit the next job (at most 2 successors in all; the store's submissions table counts them).
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign
exit $status
