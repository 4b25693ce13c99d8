// GpuSampler: a thread that reads a node's GPUs every few seconds. Rank 0's server loop takes the
// readings (it is the only store writer); on every other node one worker, the node's *leader*, samples
// and hands each reading to a sink that sends it to rank 0 (telemetry/sample_wire.hpp). Without a
// source (no NVML: no driver, no GPU) it starts no thread and never has anything to give.
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
  /// Where readings come from: NVML in a run, a fake in tests.
  using Source = std::function<std::vector<GpuReading>()>;
  /// Where each round of readings goes when not kept for take() (a worker's send to rank 0).
  using Sink = std::function<void(std::vector<TimedReading>)>;

  /// `nvml` may be null (nothing is sampled); `indices` as Nvml::read takes them.
  GpuSampler(std::unique_ptr<Nvml> nvml, std::vector<int> indices, double interval_s, Sink sink = {});
  /// An empty `source` samples nothing.
  GpuSampler(Source source, double interval_s, Sink sink = {});
  ~GpuSampler();  // stops the thread
  GpuSampler(const GpuSampler&) = delete;
  GpuSampler& operator=(const GpuSampler&) = delete;

  bool active() const { return static_cast<bool>(source_); }
  /// Everything read since the last call, oldest first (always empty with a sink).
  std::vector<TimedReading> take();
  /// Reads once now, on the caller's thread (a last reading at the end of a run).
  void sample_now();

 private:
  void loop();
  Source source_;
  Sink sink_;
  double interval_s_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<TimedReading> pending_;
  std::thread thread_;
};

/// The sampling interval: SV_GPU_SAMPLE_S when set to a positive number, else 2 s.
double sample_interval_from_env();

/// Whether a rank samples its node's GPUs: rank 0 (the server) samples its own node, and on every other
/// node the worker of node-local rank 0 does (the block placement site/gpu_binding.hpp assumes puts rank
/// 0 first on the first node, so that node's local rank 0 is the server). Without a node-local rank
/// (an unknown launcher) a worker does not sample.
bool samples_its_node(int global_rank, std::optional<int> local_rank);

}  // namespace sv::telemetry
