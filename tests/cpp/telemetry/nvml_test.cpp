// GPU telemetry without a GPU: no libnvidia-ml means no NVML, a sampler that samples nothing and starts no
// thread, and no error; the visible-device list is read the way CUDA reads it.
#include "telemetry/nvml.hpp"

#include <catch2/catch.hpp>

#include "telemetry/gpu_sampler.hpp"

using namespace sv::telemetry;

TEST_CASE("without libnvidia-ml there is no NVML and nothing is sampled", "[telemetry]") {
  CHECK(Nvml::load("/nonexistent/libnvidia-ml.so.1") == nullptr);
  CHECK(Nvml::load("libsv-no-such-library.so") == nullptr);
  GpuSampler sampler(Nvml::load("/nonexistent/libnvidia-ml.so.1"), {}, 0.01);
  CHECK_FALSE(sampler.active());
  sampler.sample_now();
  CHECK(sampler.take().empty());
}

TEST_CASE("a library that is not NVML is refused, not called", "[telemetry]") {
  CHECK(Nvml::load("libc.so.6") == nullptr);  // opens, but has no nvmlInit_v2
}

TEST_CASE("CUDA_VISIBLE_DEVICES as NVML indices", "[telemetry]") {
  CHECK(visible_gpu_indices(nullptr).empty());
  CHECK(visible_gpu_indices("").empty());
  CHECK(visible_gpu_indices("2,3") == std::vector<int>{2, 3});
  CHECK(visible_gpu_indices("0") == std::vector<int>{0});
  CHECK(visible_gpu_indices("GPU-8d1a,GPU-77").empty());  // UUIDs: every GPU NVML sees
}
