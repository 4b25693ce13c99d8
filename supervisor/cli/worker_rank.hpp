// Worker rank: what every rank but 0 of a `supervisor run` job does. Terms: the worker binds its GPUs,
// starts its resident shells (shell::ShellSet) once, then runs the tasks the server sends until told to
// stop; a task's shell outcome goes back to the server as a result message.
#pragma once
#include <string>

#include "balancer/comm.hpp"
#include "spec/workflow_spec.hpp"

namespace sv::cli {

/// Runs this worker until the server sends it home; 1 when its shells could not start (the server was
/// told why). `heartbeats`: MPI allows the heartbeat thread (thread level serialized or above).
int run_worker_rank(balancer::Comm& comm, const spec::WorkflowSpec& spec, const std::string& out_dir,
                    double drain_at, bool heartbeats);

}  // namespace sv::cli
