#include "site/gpu_binding.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "core/errors.hpp"

namespace sv::site {

namespace {

std::optional<int> read_int(const std::function<const char*(const char*)>& getenv, const char* name,
                            int min) {
  const char* text = getenv(name);
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < min || value > 1'000'000)
    throw core::ConfigError(std::string(name) + "='" + text + "': expected an integer ≥ " +
                            std::to_string(min) + " (set by the job script from the site file)");
  return static_cast<int>(value);
}

}  // namespace

GpuAssignment assign_gpus(const GpuSettings& settings, const RankPlace& place) {
  GpuAssignment out;
  out.variable = settings.variable;
  if (place.global_rank == 0) return out;  // the server: no GPU, value ""

  const bool on_server_node = place.local_rank == place.global_rank;
  int slot = place.local_rank - (on_server_node ? 1 : 0);
  if (slot < 0) slot = 0;
  const int k = std::max(1, settings.workers_per_gpu);
  const int g = k > 1 ? 1 : settings.gpus_per_worker;
  const int slots_on_node = settings.gpus_per_node > 0 ? settings.gpus_per_node / g * k : 0;
  if (slots_on_node > 0 && slot >= slots_on_node) {
    out.shared = true;
    slot %= slots_on_node;
  }
  out.slot = slot;
  const int first = slot / k * g;  // k workers per GPU: slots 0..k-1 on GPU 0, k..2k-1 on GPU 1, ...
  for (int i = 0; i < g; ++i) out.devices.push_back(first + i);
  for (size_t i = 0; i < out.devices.size(); ++i)
    out.value += (i ? "," : "") + std::to_string(out.devices[i]);
  return out;
}

std::optional<GpuSettings> gpu_settings_from_env(const std::function<const char*(const char*)>& getenv) {
  auto per_worker = read_int(getenv, "SV_GPUS_PER_WORKER", 0);
  if (!per_worker || *per_worker == 0) return std::nullopt;
  GpuSettings s;
  s.gpus_per_worker = *per_worker;
  s.gpus_per_node = read_int(getenv, "SV_GPUS_PER_NODE", 0).value_or(0);
  s.workers_per_gpu = read_int(getenv, "SV_WORKERS_PER_GPU", 1).value_or(1);
  if (s.workers_per_gpu > 1 && s.gpus_per_worker != 1)
    throw core::ConfigError("SV_WORKERS_PER_GPU=" + std::to_string(s.workers_per_gpu) +
                            " packs workers on one GPU, so SV_GPUS_PER_WORKER must be 1 (set by the job script "
                            "from the site file)");
  if (const char* sharing = getenv("SV_GPU_SHARING"); sharing && *sharing) {
    std::string v = sharing;
    if (v == "mps") {
      s.sharing = spec::GpuSharing::mps;
    } else if (v != "time_slicing" && v != "none") {
      throw core::ConfigError("SV_GPU_SHARING='" + v + "': expected mps, time_slicing or none");
    }
  }
  std::string vendor = getenv("SV_GPU_VENDOR") ? getenv("SV_GPU_VENDOR") : "nvidia";
  if (vendor == "nvidia") {
    s.variable = "CUDA_VISIBLE_DEVICES";
  } else if (vendor == "amd") {
    s.variable = "ROCR_VISIBLE_DEVICES";
  } else {
    throw core::ConfigError("SV_GPU_VENDOR='" + vendor + "': expected nvidia or amd");
  }
  if (const char* var = getenv("SV_GPU_ENV"); var && *var) {
    std::string v = var;
    if (v != "CUDA_VISIBLE_DEVICES" && v != "ROCR_VISIBLE_DEVICES" && v != "HIP_VISIBLE_DEVICES")
      throw core::ConfigError(
          "SV_GPU_ENV='" + v +
          "': expected CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES or HIP_VISIBLE_DEVICES");
    s.variable = v;
  }
  return s;
}

std::optional<GpuSettings> gpu_settings(const spec::GpuPlacement& placement,
                                        const std::function<const char*(const char*)>& getenv) {
  if (!placement.asked()) return gpu_settings_from_env(getenv);
  GpuSettings s;
  s.gpus_per_worker = placement.gpus_per_worker;
  s.workers_per_gpu = std::max(1, placement.workers_per_gpu);
  s.gpus_per_node = placement.gpus_per_node;
  s.sharing = placement.sharing;
  // The vendor's variable comes from the site when job.sh names one; a workflow alone means NVIDIA.
  if (auto from_env = gpu_settings_from_env(getenv)) s.variable = from_env->variable;
  return s;
}

std::optional<int> local_rank_from_env(const std::function<const char*(const char*)>& getenv) {
  // The MPI library's own numbering first: SLURM_LOCALID is also set (to the batch step's 0) in every
  // process started by mpiexec inside an sbatch script, so it only counts when nothing better is there.
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK",
                           "PALS_LOCAL_RANKID", "JSM_NAMESPACE_LOCAL_RANK", "SLURM_LOCALID"}) {
    if (auto v = read_int(getenv, name, 0)) return v;
  }
  return std::nullopt;
}

std::string visible_devices(const std::optional<GpuSettings>& settings) {
  const char* value = std::getenv(settings ? settings->variable.c_str() : "CUDA_VISIBLE_DEVICES");
  return value ? value : "";
}

std::string bind_gpus(int global_rank, const std::optional<GpuSettings>& settings) {
  auto env = [](const char* name) -> const char* { return std::getenv(name); };
  if (!settings) return "";
  auto local = local_rank_from_env(env);
  if (!local) {
    if (global_rank != 0)
      return "rank " + std::to_string(global_rank) +
             ": no node-local rank in the environment (OMPI_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID, ...); GPUs "
             "left as the launcher set them";
    local = 0;
  }
  GpuAssignment a = assign_gpus(*settings, RankPlace{global_rank, *local});
  setenv(a.variable.c_str(), a.value.c_str(), 1);
  if (global_rank == 0) return "rank 0 (server): " + a.variable + "='' (no GPU)";
  return "rank " + std::to_string(global_rank) + " (local " + std::to_string(*local) + ", slot " +
         std::to_string(a.slot) + "): " + a.variable + "=" + a.value +
         (settings->workers_per_gpu > 1 ? " (" + std::to_string(settings->workers_per_gpu) + " workers per GPU)" : "") +
         (a.shared ? " (shared: the launcher put more workers on this node than it has GPU slots)" : "");
}

}  // namespace sv::site
