// The GPU keys of `resources:`: a fractional gpus_per_worker is a share 1/K (K workers per GPU), and the
// combinations that cannot be laid out fail with their line.
#include "spec/gpu_parse.hpp"

#include <catch2/catch.hpp>

#include "spec/parse.hpp"
#include "spec_test_util.hpp"

using namespace sv::spec;

namespace {
WorkflowSpec parse(const std::string& resources) {
  return parse_workflow("name: t\nworkflow: sweep\nmodel: {kind: noop}\nsweep: {grid: {x: [1]}}\n"
                        "objective: {metric: y}\nresources:\n" + resources,
                        "wf.yaml", "/tmp");
}
std::string error_of(const std::string& resources) {
  try {
    parse(resources);
  } catch (const sv::core::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("a GPU share 1/K is K workers per GPU", "[spec][gpu]") {
  CHECK(workers_per_gpu_from_share(0.5) == 2);
  CHECK(workers_per_gpu_from_share(0.25) == 4);
  CHECK(workers_per_gpu_from_share(0.0625) == 16);
  CHECK(workers_per_gpu_from_share(0.333) == 3);
  CHECK_FALSE(workers_per_gpu_from_share(0.3).has_value());
  CHECK_FALSE(workers_per_gpu_from_share(1.0).has_value());
  CHECK_FALSE(workers_per_gpu_from_share(0.0).has_value());
}

TEST_CASE("resources: workers_per_gpu, gpus_per_worker share and gpu_sharing parse", "[spec][gpu]") {
  GpuPlacement g = parse("  workers: 16\n  workers_per_gpu: 16\n  gpu_sharing: mps\n").resources.gpu;
  CHECK(g.workers_per_gpu == 16);
  CHECK(g.gpus_per_worker == 1);
  CHECK(g.sharing == GpuSharing::mps);
  g = parse("  gpus_per_worker: 0.25\n  gpus_per_node: 4\n").resources.gpu;
  CHECK(g.workers_per_gpu == 4);
  CHECK(g.gpus_per_node == 4);
  CHECK(g.sharing == GpuSharing::time_slicing);
  g = parse("  gpus_per_worker: 2\n").resources.gpu;
  CHECK(g.gpus_per_worker == 2);
  CHECK(g.workers_per_gpu == 1);
  CHECK_FALSE(parse("  workers: 3\n").resources.gpu.asked());
}

TEST_CASE("GPU placements that cannot be laid out fail with their line", "[spec][gpu]") {
  CHECK(error_of("  gpus_per_worker: 0.3\n").find("wf.yaml:7: resources.gpus_per_worker: a share of a GPU must be 1/K") == 0);
  CHECK(error_of("  gpus_per_worker: 1.5\n").find("wf.yaml:7: resources.gpus_per_worker:") == 0);
  CHECK(error_of("  gpus_per_worker: 0.5\n  workers_per_gpu: 2\n").find("wf.yaml:8: resources.workers_per_gpu: give either") == 0);
  CHECK(error_of("  gpus_per_worker: 2\n  workers_per_gpu: 2\n").find("wf.yaml:8: resources.workers_per_gpu:") == 0);
  CHECK(error_of("  gpu_sharing: mps\n").find("wf.yaml:7: resources.gpu_sharing: gpu_sharing: mps shares GPUs") == 0);
  CHECK(error_of("  gpu_sharing: always\n").find("wf.yaml:7: resources.gpu_sharing:") == 0);
}
