// Server rank: what rank 0 of a `supervisor run` job does. Terms: *preparing* is planning the job,
// checking its inputs and opening (or creating) the run's store, all before any worker starts; *serving*
// is starting the optimizer (a search), building the workflow and running the engine's server until the
// campaign ends or drains.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "balancer/comm.hpp"
#include "balancer/liveness.hpp"
#include "balancer/mpi_session.hpp"
#include "cli/commands.hpp"
#include "cli/start_message.hpp"
#include "spec/workflow_spec.hpp"
#include "store/store.hpp"

namespace sv::cli {

/// What rank 0 holds once prepared: the message for every rank, and for a good start the run's store,
/// spec and the tasks earlier sessions recorded.
struct ServerStart {
  StartMessage message;
  std::unique_ptr<store::Store> store;
  std::vector<store::TaskRow> previous;
  spec::WorkflowSpec spec;
  std::unique_ptr<balancer::LivenessServer> liveness;  // rank 0's end of the workers' liveness connections
};

/// Never throws: a problem becomes message.ok = false with its one line in message.error (a store opened
/// before it is marked failed and closed, so `resume` can continue it).
ServerStart prepare_server_rank(const RunArgs& args, int ranks);

/// Serves the run on rank 0; returns the run's exit status (0, 1 an engine failure, 3 every task failed).
/// `threads` is what MPI gave: below serialized, workers are never declared lost. Sets `abort_job` when
/// workers stopped answering, so the job must end by abort rather than a clean finalize.
int run_server(balancer::Comm& comm, const spec::WorkflowSpec& spec, store::Store& store,
               const std::string& out_dir, std::vector<store::TaskRow> previous, const StartMessage& start,
               balancer::ThreadLevel threads, bool& abort_job, balancer::LivenessServer* liveness);

}  // namespace sv::cli
