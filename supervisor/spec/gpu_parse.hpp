// The GPU keys of `resources:` (and of a site file): gpus_per_worker, workers_per_gpu, gpus_per_node,
// gpu_sharing. A fractional gpus_per_worker is a share: 1/K of a GPU means K workers per GPU.
#pragma once
#include <optional>

#include "spec/workflow_spec.hpp"
#include "spec/yaml_reader.hpp"

namespace sv::spec {

/// K when `share` is 1/K for an integer K ≥ 2 (0.5, 0.25, 1/3 as 0.333...), else nullopt.
std::optional<int> workers_per_gpu_from_share(double share);

/// Reads the four keys from `m` (any may be absent) with their cross-checks.
GpuPlacement parse_gpu_placement(const YamlReader& r, const Mapping& m);

}  // namespace sv::spec
