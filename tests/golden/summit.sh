#!/bin/bash -l
#BSUB -J sv-campaign
#BSUB -nnodes 2
#BSUB -W 120
#BSUB -q batch
#BSUB -P MED106
#BSUB -o /scratch/user/runs/campaign/job-%J.out
#BSUB -e /scratch/user/runs/campaign/job-%J.err
#BSUB -alloc_flags "gpumps smt4"
#
# Supervisor job, rendered by `supervisor submit` for site summit (lsf, jsrun):
# 2 nodes x 5 workers + 1 server rank = 11 MPI ranks, walltime 2:00:00.
# Run directory: /scratch/user/runs/campaign

# Modules.
module load gcc/9.1.0
module load spectrum-mpi
module load cuda/11.0.3
module load python/3.8-anaconda3

# Site environment (values are literal).
export OMP_NUM_THREADS=1

# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.
export SV_SITE=summit
export SV_WALLTIME_S=7200

cd /scratch/user/runs/campaign || exit 1
rm -f /scratch/user/runs/campaign/supervisor.exit
if [ "${SV_JOB_MODE:-run}" = resume ]; then
  jsrun -n 11 -a 1 -c 7 -g 1 -r 6 -b packed:7 --smpiargs=-disable_gpu_hooks /opt/supervisor/bin/supervisor resume /scratch/user/runs/campaign
else
  jsrun -n 11 -a 1 -c 7 -g 1 -r 6 -b packed:7 --smpiargs=-disable_gpu_hooks /opt/supervisor/bin/supervisor run /home/user/campaign/hpo.yaml --out /scratch/user/runs/campaign
fi
status=$?
if [ -s /scratch/user/runs/campaign/supervisor.exit ]; then status=$(cat /scratch/user/runs/campaign/supervisor.exit); fi

# Unless the run is done, submit the next job (at most 2 successors in all; the store's submissions table counts them).
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign
exit $status
