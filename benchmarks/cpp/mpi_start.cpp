// The smallest MPI job that talks across hosts at once: MPI_Init, then every rank sends one int to every
// other (MPI_Alltoall) and checks what came back. benchmarks/multihost_loop.py --program mpi-start runs it
// many times under srun to count start-up failures of a transport: with Open MPI 4.1.4's ob1 over
// btl/tcp, a rank that leaves MPI_Init early can reach a rank on another host that is still inside it,
// which then dies; a program that does real work first (as `supervisor run` does) hides the race.
#include <mpi.h>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<int> out(size, rank), in(size, -1);
  MPI_Alltoall(out.data(), 1, MPI_INT, in.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int wrong = 0;
  for (int r = 0; r < size; ++r) wrong += in[r] != r;
  int total = 0;
  MPI_Reduce(&wrong, &total, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) std::printf("mpi-start: %d ranks, %d wrong values\n", size, total);
  MPI_Finalize();
  return total == 0 ? 0 : 1;
}
