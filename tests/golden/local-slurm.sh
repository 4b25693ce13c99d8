#!/bin/bash
#SBATCH --job-name=sv-campaign
#SBATCH --nodes=2
#SBATCH --ntasks=5
#SBATCH --time=0:10:00
#SBATCH --partition=debug
#SBATCH --output=/scratch/user/runs/campaign/job-%j.out
#SBATCH --overcommit
#
# Supervisor job, rendered by `supervisor submit` for site local-slurm (slurm, srun):
# 2 nodes x 2 workers + 1 server rank = 5 MPI ranks, walltime 0:10:00.
# Run directory: /scratch/user/runs/campaign

# Site environment (values are literal).
export OMPI_MCA_btl=self,vader

# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.
export SV_SITE=local-slurm
export SV_WALLTIME_S=600

cd /scratch/user/runs/campaign || exit 1
rm -f /scratch/user/runs/campaign/supervisor.exit
if [ "${SV_JOB_MODE:-run}" = resume ]; then
  srun -N 2 -n 5 --mpi=pmix --overcommit --kill-on-bad-exit=1 /opt/supervisor/bin/supervisor resume /scratch/user/runs/campaign
else
  srun -N 2 -n 5 --mpi=pmix --overcommit --kill-on-bad-exit=1 /opt/supervisor/bin/supervisor run /home/user/campaign/hpo.yaml --out /scratch/user/runs/campaign
fi
status=$?
if [ -s /scratch/user/runs/campaign/supervisor.exit ]; then status=$(cat /scratch/user/runs/campaign/supervisor.exit); fi

# Unless the run is done, submit the next job (at most 2 successors in all; the store's submissions table counts them).
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign
exit $status
