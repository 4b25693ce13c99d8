#!/bin/bash -l
#SBATCH --job-name=sv-campaign
#SBATCH --nodes=2
#SBATCH --ntasks=17
#SBATCH --time=2:00:00
#SBATCH --partition=batch
#SBATCH --account=MED106
#SBATCH --output=/scratch/user/runs/campaign/job-%j.out
#SBATCH --signal=B:USR1@300
#SBATCH --no-requeue
#SBATCH --gpus-per-node=8
#
# Supervisor job, rendered by `supervisor submit` for site frontier (slurm, srun):
# 2 nodes x 8 workers + 1 server rank = 17 MPI ranks, walltime 2:00:00.
# Run directory: /scratch/user/runs/campaign

# Modules.
module load PrgEnv-gnu
module load rocm/5.7.1
module load cray-python/3.11.5

# Site environment (values are literal).
export MPICH_GPU_SUPPORT_ENABLED=1
export OMP_NUM_THREADS=1

# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.
export SV_SITE=frontier
export SV_WALLTIME_S=7200
export SV_GPUS_PER_WORKER=1
export SV_GPUS_PER_NODE=8
export SV_GPU_VENDOR=amd

cd /scratch/user/runs/campaign || exit 1
rm -f /scratch/user/runs/campaign/supervisor.exit

# The successor is queued now, to start once this job ends however it ends (a node that dies may
# take this script with it), on the nodes left; at the end it is cancelled if the run needs none.
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign --after "$SLURM_JOB_ID" --nodes 2

# Ranks for the nodes this job got: 8 workers per node + the server.
sv_nodes=${SLURM_JOB_NUM_NODES:-2}
sv_ranks=$((sv_nodes * 8 + 1))

# Signals to this shell are passed on to srun as USR1: every rank drains.
sv_launcher=
sv_forward() { if [ -n "$sv_launcher" ]; then kill -USR1 "$sv_launcher" 2>/dev/null; fi; }
trap sv_forward TERM USR1 INT
if [ "${SV_JOB_MODE:-run}" = resume ] || [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then
  srun -N "$sv_nodes" -n "$sv_ranks" --cpus-per-task=6 --cpu-bind=cores /opt/supervisor/bin/supervisor resume /scratch/user/runs/campaign &
else
  srun -N "$sv_nodes" -n "$sv_ranks" --cpus-per-task=6 --cpu-bind=cores /opt/supervisor/bin/supervisor run /home/user/campaign/hpo.yaml --out /scratch/user/runs/campaign &
fi
sv_launcher=$!
while kill -0 "$sv_launcher" 2>/dev/null; do wait "$sv_launcher"; done
wait "$sv_launcher"
status=$?
trap - TERM USR1 INT
if [ -s /scratch/user/runs/campaign/supervisor.exit ]; then status=$(cat /scratch/user/runs/campaign/supervisor.exit); fi

# Keep the queued successor unless the run is done or would fail again (at most 2 successors in all; the store's submissions table counts them).
/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign --after "$SLURM_JOB_ID" --nodes 2
exit $status
