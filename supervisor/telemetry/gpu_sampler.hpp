// GpuSampler: a thread that reads this node's GPUs through NVML every few seconds and keeps the readings
// until the owner takes them (rank 0's server loop, which is the only store writer). Without NVML
// (no driver, no GPU) it starts no thread and never has anything to give.
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "telemetry/nvml.hpp"

namespace sv::telemetry {

struct TimedReading {
  double time = 0;  // wall clock, seconds since the epoch
  GpuReading gpu;
};

class GpuSampler {
 public:
  /// `nvml` may be null (nothing is sampled); `indices` as Nvml::read takes them.
  GpuSampler(std::unique_ptr<Nvml> nvml, std::vector<int> indices, double interval_s);
  ~GpuSampler();  // stops the thread
  GpuSampler(const GpuSampler&) = delete;
  GpuSampler& operator=(const GpuSampler&) = delete;

  bool active() const { return nvml_ != nullptr; }
  /// Everything read since the last call, oldest first.
  std::vector<TimedReading> take();
  /// Reads once now, on the caller's thread (a last reading at the end of a run).
  void sample_now();

 private:
  void loop();
  std::unique_ptr<Nvml> nvml_;
  std::vector<int> indices_;
  double interval_s_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<TimedReading> pending_;
  std::thread thread_;
};

/// The sampling interval: SV_GPU_SAMPLE_S when set to a positive number, else 2 s.
double sample_interval_from_env();

}  // namespace sv::telemetry
