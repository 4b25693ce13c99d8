#include "site/gpu_binding.hpp"

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
  int g = settings.gpus_per_worker;
  const int slots_on_node = settings.gpus_per_node > 0 ? settings.gpus_per_node / g : 0;
  if (slots_on_node > 0 && slot >= slots_on_node) {
    out.shared = true;
    slot %= slots_on_node;
  }
  out.slot = slot;
  for (int i = 0; i < g; ++i) out.devices.push_back(slot * g + i);
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

std::optional<int> local_rank_from_env(const std::function<const char*(const char*)>& getenv) {
  // The MPI library's own numbering first: SLURM_LOCALID is also set (to the batch step's 0) in every
  // process started by mpiexec inside an sbatch script, so it only counts when nothing better is there.
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK",
                           "PALS_LOCAL_RANKID", "JSM_NAMESPACE_LOCAL_RANK", "SLURM_LOCALID"}) {
    if (auto v = read_int(getenv, name, 0)) return v;
  }
  return std::nullopt;
}

std::string bind_gpus(int global_rank) {
  auto env = [](const char* name) -> const char* { return std::getenv(name); };
  auto settings = gpu_settings_from_env(env);
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
         (a.shared ? " (shared: the launcher put more workers on this node than it has GPU slots)" : "");
}

}  // namespace sv::site
