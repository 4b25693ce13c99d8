// GPU binding: which GPUs of its node one rank may see. The workflow's `resources:` GPU keys, or else the
// site's settings that the job script exports (SV_GPUS_PER_WORKER, SV_WORKERS_PER_GPU, SV_GPUS_PER_NODE,
// SV_GPU_VENDOR, SV_GPU_ENV, SV_GPU_SHARING), say how; each rank, at start, computes its share from its
// node-local rank and sets CUDA_VISIBLE_DEVICES (or the AMD/HIP equivalent) before any interpreter or model
// can touch a GPU. Terms: the *slot* of a worker is its index among the workers of its node; the server
// (rank 0) shares the first node with its workers and takes no GPU; *packing* puts K workers on one GPU.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spec/workflow_spec.hpp"

namespace sv::site {

/// The settings as the job script passes them.
struct GpuSettings {
  int gpus_per_worker = 0;  // 0 = no binding at all
  int workers_per_gpu = 1;  // K > 1 packs K workers on each GPU (then gpus_per_worker is 1)
  int gpus_per_node = 0;    // 0 = unknown: slots are not wrapped
  std::string variable = "CUDA_VISIBLE_DEVICES";
  spec::GpuSharing sharing = spec::GpuSharing::time_slicing;
};

/// Where one rank sits.
struct RankPlace {
  int global_rank = 0;
  int local_rank = 0;  // node-local rank as the launcher numbers it
};

/// The outcome for one rank: the value for `variable` ("" hides every GPU, as for the server).
struct GpuAssignment {
  std::string variable;
  std::string value;
  std::vector<int> devices;
  int slot = -1;        // -1 for the server
  bool shared = false;  // the node hosts more workers than it has GPU slots; this one shares a GPU
};

/// Pure mapping. With K workers per GPU, slot s sees GPU s / K (slots 0..K-1 share GPU 0, and so on). The server's node is recognised as the one where local and global rank coincide, which
/// holds for the block placement every shipped launcher line asks for (node 0 gets ranks 0..k first);
/// there a worker's slot is local_rank - 1, elsewhere local_rank. Slot s sees GPUs s*g .. s*g+g-1. A slot
/// past the node's GPUs (a launcher that put more ranks on a node than asked) wraps around and is marked
/// shared instead of pointing at a GPU that does not exist.
GpuAssignment assign_gpus(const GpuSettings& settings, const RankPlace& place);

/// Reads the settings from the environment (through `getenv`); nullopt when SV_GPUS_PER_WORKER is
/// unset or 0. Throws ConfigError on a malformed value.
std::optional<GpuSettings> gpu_settings_from_env(const std::function<const char*(const char*)>& getenv);

/// The workflow's placement when it asks for one, else the environment's (job.sh), else nullopt.
std::optional<GpuSettings> gpu_settings(const spec::GpuPlacement& placement,
                                        const std::function<const char*(const char*)>& getenv);

/// The node-local rank from the first of OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, PMI_LOCAL_RANK,
/// PALS_LOCAL_RANKID, JSM_NAMESPACE_LOCAL_RANK, SLURM_LOCALID that is set; nullopt when none is.
std::optional<int> local_rank_from_env(const std::function<const char*(const char*)>& getenv);

/// The GPUs this process may see as its binding's variable (CUDA_VISIBLE_DEVICES by default) holds them
/// now: a worker's device, recorded in the store from its hello. "" when the variable is unset.
std::string visible_devices(const std::optional<GpuSettings>& settings);

/// At rank start: applies the binding to this process's environment when the job asked for one
/// (`settings`, from gpu_settings). Returns a one-line description for the log, or "" when nothing was done.
std::string bind_gpus(int global_rank, const std::optional<GpuSettings>& settings);

}  // namespace sv::site
