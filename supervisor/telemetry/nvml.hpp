// NVML, loaded at run time: the NVIDIA management library (libnvidia-ml.so.1, part of the driver) is
// opened with dlopen, so the build needs no CUDA and a node without an NVIDIA driver simply has no GPUs
// to report. Terms: a *sample* is one reading of one GPU — how busy it was (the fraction of the driver's
// last sampling period in which a kernel ran, as nvidia-smi's "GPU-Util") and its memory in use.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sv::telemetry {

struct GpuReading {
  int index = 0;           // NVML's index on the node (the order nvidia-smi lists)
  std::string uuid;        // GPU-…; stable across processes that number GPUs differently
  double busy = 0;         // 0..1
  std::int64_t memory_used = 0;   // bytes
  std::int64_t memory_total = 0;  // bytes
};

class Nvml {
 public:
  /// Opens `library` (SV_NVML_LIBRARY, default libnvidia-ml.so.1) and initializes NVML; nullptr when the
  /// library is absent or NVML does not start (no driver, no GPU): the caller then samples nothing and
  /// says nothing, since a CPU node is not a fault.
  static std::unique_ptr<Nvml> load();
  static std::unique_ptr<Nvml> load(const std::string& library);
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  int device_count() const;
  /// Reads the GPUs with these NVML indices (all when empty); a GPU whose query fails is left out.
  std::vector<GpuReading> read(const std::vector<int>& indices) const;

 private:
  struct Api;
  explicit Nvml(std::unique_ptr<Api> api);
  std::unique_ptr<Api> api_;
};

/// The GPUs a job may use on this node as the launcher or scheduler gave them: the indices in
/// CUDA_VISIBLE_DEVICES when it is a list of integers, else empty (= every GPU NVML sees).
std::vector<int> visible_gpu_indices(const char* cuda_visible_devices);

}  // namespace sv::telemetry
