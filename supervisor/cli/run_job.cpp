#include "cli/run_job.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>

#include "balancer/liveness.hpp"
#include "balancer/mpi_comm.hpp"
#include "balancer/mpi_session.hpp"
#include "cli/launch.hpp"
#include "cli/node_mps.hpp"
#include "cli/server_rank.hpp"
#include "cli/signals.hpp"
#include "cli/start_message.hpp"
#include "cli/worker_rank.hpp"
#include "spec/parse.hpp"

namespace sv::cli {

namespace {

// True when `supervisor run`'s launcher started this job (it sets SV_LAUNCHER). Read once and removed, so
// a model's own processes do not inherit it.
bool started_by_launcher() {
  static const bool yes = [] {
    bool set = std::getenv("SV_LAUNCHER") != nullptr;
    unsetenv("SV_LAUNCHER");
    return set;
  }();
  return yes;
}

// Rank 0's exit status. Under the launcher it goes into the run's supervisor.exit for the launcher to
// exit with, and the rank exits 0: a rank's non-zero exit makes mpiexec print an abort banner that would
// bury the run's own last line.
int leave_exit_status(const std::string& out_dir, int code) {
  if (code == 0 || !started_by_launcher() || out_dir.empty()) return code;
  std::ofstream file(exit_status_file(out_dir));
  file << code << "\n";
  return file ? 0 : code;
}

}  // namespace

int run_in_mpi(const RunArgs& args) {
  balancer::MpiSession session(balancer::requested_thread_level());
  const bool heartbeats = session.provided() >= balancer::ThreadLevel::serialized;  // MpiComm serializes calls
  catch_drain_signals();  // a Ctrl-C or a scheduler's TERM from now on drains (cli/signals.hpp)
  started_by_launcher();
  bool abort_job = false;
  const int rank = session.rank();

  ServerStart server;
  if (rank == 0) server = prepare_server_rank(args, session.size());
  std::string bytes = rank == 0 ? encode(server.message) : std::string();
  session.broadcast(bytes);
  const StartMessage start = decode_start(bytes);
  if (!start.ok) {
    if (rank == 0) std::fprintf(stderr, "supervisor: error: %s\n", start.error.c_str());
    session.finalize();
    return rank == 0 ? leave_exit_status(args.out_dir, 2) : 2;
  }
  std::unique_ptr<store::Store>& store = server.store;
  spec::WorkflowSpec spec =
      rank == 0 ? std::move(server.spec) : spec::parse_workflow(start.spec_text, start.spec_path, start.source_dir);
  std::optional<site::MpsDirs> mps_to_stop = start_node_mps(session, spec, start.out_dir, store.get());

  int code = 0;
  {
    balancer::MpiComm comm;
    // A worker rank holds its liveness connection to rank 0 for the whole job.
    std::optional<balancer::LivenessClient> alive;
    if (rank != 0 && !start.liveness.empty()) alive.emplace(start.liveness, rank);
    try {
      code = rank == 0 ? run_server(comm, spec, *store, start.out_dir, std::move(server.previous), start,
                                    session.provided(), abort_job, server.liveness.get())
                       : run_worker_rank(comm, spec, start.out_dir, start.drain_at, heartbeats);
    } catch (const std::exception& e) {
      // Past the start no rank can leave alone without hanging the others.
      std::fprintf(stderr, "supervisor: rank %d: fatal: %s\n", rank, e.what());
      if (store) {
        try {
          store->set_run_status("failed");
          store->flush();
        } catch (...) {
        }
      }
      session.abort(1);
    }
  }
  store.reset();
  if (abort_job) {
    // The launcher's own status will only say how the stuck ranks were ended; `supervisor run` reads this.
    std::ofstream(exit_status_file(start.out_dir)) << code << "\n";
    session.abort(code);
  }
  session.finalize();
  // After the job: the daemon's `quit` waits for its clients, the workers, which leave at MPI_Finalize.
  if (mps_to_stop && !site::stop_mps_daemon(*mps_to_stop))
    std::fprintf(stderr, "supervisor: gpu_sharing: mps: the MPS control daemon in %s did not stop; end it with "
                 "`echo quit | CUDA_MPS_PIPE_DIRECTORY=%s nvidia-cuda-mps-control`\n",
                 mps_to_stop->pipe.c_str(), mps_to_stop->pipe.c_str());
  return rank == 0 ? leave_exit_status(start.out_dir, code) : code;
}

}  // namespace sv::cli
