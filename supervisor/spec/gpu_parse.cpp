#include "spec/gpu_parse.hpp"

#include <cmath>

namespace sv::spec {

std::optional<int> workers_per_gpu_from_share(double share) {
  if (!(share > 0 && share < 1)) return std::nullopt;
  const double k = std::round(1.0 / share);
  // 1/3 written as 0.333 is meant as a third: accept a share within 0.5 % of 1/K.
  if (k < 2 || k > 1024 || std::fabs(k * share - 1.0) > 0.005) return std::nullopt;
  return static_cast<int>(k);
}

GpuPlacement parse_gpu_placement(const YamlReader& r, const Mapping& m) {
  GpuPlacement g;
  const Field* share = m.find("gpus_per_worker");
  const Field* packed = m.find("workers_per_gpu");
  if (share) {
    double v = r.number(*share, 0, "GPUs each worker gets: an integer ≥ 1, or a share 1/K (0.5, 0.25) to pack K workers per GPU");
    if (v >= 1) {
      if (v != std::floor(v)) r.fail(*share, "a whole number of GPUs (≥ 1) or a share 1/K such as 0.5 or 0.25");
      g.gpus_per_worker = static_cast<int>(v);
    } else if (auto k = workers_per_gpu_from_share(v)) {
      g.gpus_per_worker = 1;
      g.workers_per_gpu = *k;
    } else if (v > 0) {
      r.fail(*share, "a share of a GPU must be 1/K for a whole K (0.5, 0.25, 0.125), so K workers fit one GPU");
    }
  }
  if (packed) {
    if (g.workers_per_gpu > 0)
      r.fail(*packed, "give either workers_per_gpu or a fractional gpus_per_worker, not both");
    if (g.gpus_per_worker > 1)
      r.fail(*packed, "workers_per_gpu packs several workers on one GPU; it cannot go with gpus_per_worker > 1");
    g.workers_per_gpu = r.integer(*packed, 1, "how many workers share each GPU");
    g.gpus_per_worker = 1;
  }
  if (const Field* f = m.find("gpus_per_node")) g.gpus_per_node = r.integer(*f, 0, "GPUs on each node; 0 = unknown");
  if (const Field* f = m.find("gpu_sharing")) {
    g.sharing = r.choice<GpuSharing>(*f, {{"time_slicing", GpuSharing::time_slicing},
                                      {"none", GpuSharing::time_slicing},
                                      {"mps", GpuSharing::mps}});
    if (g.sharing == GpuSharing::mps && !g.asked())
      r.fail(*f, "gpu_sharing: mps shares GPUs among packed workers; add workers_per_gpu (or gpus_per_worker)");
  }
  if (g.workers_per_gpu == 0 && g.gpus_per_worker > 0) g.workers_per_gpu = 1;
  return g;
}

}  // namespace sv::spec
