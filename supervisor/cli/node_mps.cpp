#include "cli/node_mps.hpp"

#include <cstdio>
#include <cstdlib>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/host_name.hpp"
#include "core/run_dir.hpp"
#include "site/gpu_binding.hpp"

namespace sv::cli {

std::optional<site::MpsDirs> start_node_mps(balancer::MpiSession& session, const spec::WorkflowSpec& spec,
                                            const std::string& out_dir, store::Store* store) {
  std::optional<site::GpuSettings> gpu;
  try {
    gpu = site::gpu_settings(spec.resources.gpu, [](const char* n) { return std::getenv(n); });
  } catch (const core::Error&) {
    // The worker reports a malformed SV_GPU_* variable when it binds its GPUs.
  }
  if (!gpu || gpu->sharing != spec::GpuSharing::mps) return std::nullopt;
  const std::string host = core::host_name();
  const site::MpsDirs dirs = site::mps_dirs(out_dir, host);
  std::string why;
  const balancer::NodeAnswer node = session.on_each_node([&] {
    why = site::start_mps_daemon(dirs);
    if (!why.empty())
      std::fprintf(stderr, "supervisor: gpu_sharing: mps: cannot start the MPS daemon on %s (%s); the workers "
                   "there share their GPUs by time-slicing\n", host.c_str(), why.c_str());
    return why.empty();
  });
  if (node.ok) site::use_mps(dirs);
  const int nodes_failed = session.sum_at_root(!node.ok && node.leader);
  if (session.rank() == 0 && store) {
    store->add_event("gpu_sharing",
                     nodes_failed == 0 ? "mps: control daemon started on every node (pipes in " + core::RunDir(out_dir).mps() + ")"
                                       : "mps: the daemon did not start on " + std::to_string(nodes_failed) +
                                             " node(s)" + (why.empty() ? "" : " (" + host + ": " + why + ")") +
                                             "; their workers time-slice",
                     core::wall_now());
    store->flush();
  }
  if (node.ok && node.leader) return dirs;
  return std::nullopt;
}

}  // namespace sv::cli
