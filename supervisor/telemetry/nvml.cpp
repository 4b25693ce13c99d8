#include "telemetry/nvml.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <sstream>

namespace sv::telemetry {

namespace {
// The few NVML declarations used here, from nvml.h (stable C ABI since NVML 4; the _v2 names since 5.319).
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
constexpr nvmlReturn_t kNvmlSuccess = 0;
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
struct nvmlMemory_t {
  unsigned long long total, free, used;
};
}  // namespace

struct Nvml::Api {
  void* handle = nullptr;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*count)(unsigned int*) = nullptr;
  nvmlReturn_t (*by_index)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned int) = nullptr;
  bool initialized = false;
};

namespace {
template <typename F>
bool bind(void* handle, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  return out != nullptr;
}
}  // namespace

std::unique_ptr<Nvml> Nvml::load() {
  const char* lib = std::getenv("SV_NVML_LIBRARY");
  return load(lib && *lib ? lib : "libnvidia-ml.so.1");
}

std::unique_ptr<Nvml> Nvml::load(const std::string& library) {
  auto api = std::make_unique<Api>();
  api->handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!api->handle) return nullptr;
  void* h = api->handle;
  bool ok = bind(h, "nvmlInit_v2", api->init) && bind(h, "nvmlShutdown", api->shutdown) &&
            bind(h, "nvmlDeviceGetCount_v2", api->count) &&
            bind(h, "nvmlDeviceGetHandleByIndex_v2", api->by_index) &&
            bind(h, "nvmlDeviceGetUtilizationRates", api->utilization) &&
            bind(h, "nvmlDeviceGetMemoryInfo", api->memory) && bind(h, "nvmlDeviceGetUUID", api->uuid);
  if (!ok || api->init() != kNvmlSuccess) {
    dlclose(h);
    return nullptr;
  }
  api->initialized = true;
  return std::unique_ptr<Nvml>(new Nvml(std::move(api)));
}

Nvml::Nvml(std::unique_ptr<Api> api) : api_(std::move(api)) {}

Nvml::~Nvml() {
  if (api_->initialized) api_->shutdown();
  dlclose(api_->handle);
}

int Nvml::device_count() const {
  unsigned int n = 0;
  return api_->count(&n) == kNvmlSuccess ? static_cast<int>(n) : 0;
}

std::vector<GpuReading> Nvml::read(const std::vector<int>& indices) const {
  std::vector<int> which = indices;
  if (which.empty())
    for (int i = 0; i < device_count(); ++i) which.push_back(i);
  std::vector<GpuReading> out;
  for (int i : which) {
    nvmlDevice_t dev = nullptr;
    nvmlUtilization_t util{};
    nvmlMemory_t mem{};
    if (api_->by_index(static_cast<unsigned int>(i), &dev) != kNvmlSuccess) continue;
    if (api_->utilization(dev, &util) != kNvmlSuccess || api_->memory(dev, &mem) != kNvmlSuccess) continue;
    GpuReading r;
    r.index = i;
    char uuid[96] = {0};
    if (api_->uuid(dev, uuid, sizeof uuid) == kNvmlSuccess) r.uuid = uuid;
    r.busy = util.gpu / 100.0;
    r.memory_used = static_cast<std::int64_t>(mem.used);
    r.memory_total = static_cast<std::int64_t>(mem.total);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<int> visible_gpu_indices(const char* cuda_visible_devices) {
  std::vector<int> out;
  if (!cuda_visible_devices || !*cuda_visible_devices) return out;
  std::stringstream in(cuda_visible_devices);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0) return {};  // UUIDs or MIG names: NVML's numbering does not apply
    out.push_back(static_cast<int>(v));
  }
  return out;
}

}  // namespace sv::telemetry
