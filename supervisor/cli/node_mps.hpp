// Node MPS: gpu_sharing: mps for a whole job, one CUDA MPS control daemon per node. Terms: a node's
// *leader* (its lowest rank, balancer::MpiSession) starts that node's daemon; every rank of the node then
// points itself at it, before any worker touches CUDA.
#pragma once
#include <optional>
#include <string>

#include "balancer/mpi_session.hpp"
#include "site/mps.hpp"
#include "spec/workflow_spec.hpp"
#include "store/store.hpp"

namespace sv::cli {

/// Collective over all ranks; a no-op unless the workflow or job.sh asks for MPS. A node where the daemon
/// cannot start says so in one line and its workers time-slice; rank 0 records the outcome as an event in
/// `store`. Returns the daemon this rank must stop after the job (on each node's leader only).
std::optional<site::MpsDirs> start_node_mps(balancer::MpiSession& session, const spec::WorkflowSpec& spec,
                                            const std::string& out_dir, store::Store* store);

}  // namespace sv::cli
