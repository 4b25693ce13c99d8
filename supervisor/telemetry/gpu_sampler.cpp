#include "telemetry/gpu_sampler.hpp"

#include <chrono>
#include <cstdlib>

#include "core/clock.hpp"

namespace sv::telemetry {

namespace {
GpuSampler::Source nvml_source(std::unique_ptr<Nvml> nvml, std::vector<int> indices) {
  if (!nvml) return {};
  std::shared_ptr<Nvml> shared(std::move(nvml));
  return [shared, indices = std::move(indices)] { return shared->read(indices); };
}
}  // namespace

GpuSampler::GpuSampler(std::unique_ptr<Nvml> nvml, std::vector<int> indices, double interval_s, Sink sink)
    : GpuSampler(nvml_source(std::move(nvml), std::move(indices)), interval_s, std::move(sink)) {}

GpuSampler::GpuSampler(Source source, double interval_s, Sink sink)
    : source_(std::move(source)), sink_(std::move(sink)), interval_s_(interval_s) {
  if (source_) thread_ = std::thread([this] { loop(); });
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
  if (!source_) return;
  // NVML calls are thread-safe; the readings are taken outside the lock so `take` never waits on the driver.
  std::vector<GpuReading> readings = source_();
  const double now = core::wall_now();
  std::vector<TimedReading> timed;
  timed.reserve(readings.size());
  for (auto& r : readings) timed.push_back(TimedReading{now, std::move(r)});
  if (sink_) {
    if (!timed.empty()) sink_(std::move(timed));
    return;
  }
  std::lock_guard<std::mutex> lock(m_);
  for (auto& t : timed) pending_.push_back(std::move(t));
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

bool samples_its_node(int global_rank, std::optional<int> local_rank) {
  if (global_rank == 0) return true;
  return local_rank && *local_rank == 0;
}

}  // namespace sv::telemetry
