#include "telemetry/gpu_sampler.hpp"

#include <chrono>
#include <cstdlib>

#include "core/clock.hpp"

namespace sv::telemetry {

GpuSampler::GpuSampler(std::unique_ptr<Nvml> nvml, std::vector<int> indices, double interval_s)
    : nvml_(std::move(nvml)), indices_(std::move(indices)), interval_s_(interval_s) {
  if (nvml_) thread_ = std::thread([this] { loop(); });
}

GpuSampler::~GpuSampler() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GpuSampler::sample_now() {
  if (!nvml_) return;
  // NVML calls are thread-safe; the readings are taken outside the lock so `take` never waits on the driver.
  std::vector<GpuReading> readings = nvml_->read(indices_);
  const double now = core::wall_now();
  std::lock_guard<std::mutex> lock(m_);
  for (auto& r : readings) pending_.push_back(TimedReading{now, std::move(r)});
}

void GpuSampler::loop() {
  const auto interval = std::chrono::duration<double>(interval_s_);
  while (true) {
    sample_now();
    std::unique_lock<std::mutex> lock(m_);
    if (cv_.wait_for(lock, interval, [this] { return stop_; })) return;
  }
}

std::vector<TimedReading> GpuSampler::take() {
  std::lock_guard<std::mutex> lock(m_);
  std::vector<TimedReading> out;
  out.swap(pending_);
  return out;
}

double sample_interval_from_env() {
  if (const char* text = std::getenv("SV_GPU_SAMPLE_S"); text && *text) {
    char* end = nullptr;
    double v = std::strtod(text, &end);
    if (*end == '\0' && v > 0) return v;
  }
  return 2.0;
}

}  // namespace sv::telemetry
