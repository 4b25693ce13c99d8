// Site: where a campaign runs. Terms: a *site* is one machine's description (scheduler, launcher, node
// shape, software environment), read from a YAML file in site_configs/; a *job* is one batch submission of
// a campaign to the site's scheduler; its *layout* is how many nodes, workers and MPI ranks it has
// (ranks = nodes × workers_per_node + 1, the extra one being the server, rank 0, on the first node).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "spec/workflow_spec.hpp"

namespace sv::site {

enum class Scheduler { local, slurm, lsf, pbs, cobalt };
enum class Launcher { mpiexec, srun, jsrun, aprun };
enum class GpuVendor { none, nvidia, amd };
/// Who narrows each worker to its GPUs: the supervisor at worker start (from SV_GPUS_PER_WORKER and the
/// node-local rank), the launcher itself (jsrun resource sets), or nobody.
enum class GpuBinding { supervisor, launcher, none };

const char* to_string(Scheduler s);
const char* to_string(Launcher l);
const char* to_string(GpuVendor v);
const char* to_string(GpuBinding b);

/// The typed form of a site YAML (see site_configs/README.md for the keys).
struct SiteSpec {
  std::string name;  // the file's stem unless `name:` says otherwise
  std::string description;
  std::string source_path;  // absolute path of the YAML ("" when parsed from text)

  Scheduler scheduler = Scheduler::local;
  Launcher launcher = Launcher::mpiexec;
  std::vector<std::string> launcher_args;  // extra launcher arguments, after the layout ones

  int cores_per_node = 1;
  int gpus_per_node = 0;
  int workers_per_node = 1;
  int gpus_per_worker = 0;
  int workers_per_gpu = 1;  // > 1 packs that many workers on each GPU (gpus_per_worker is then 1)
  spec::GpuSharing gpu_sharing = spec::GpuSharing::time_slicing;  // mps: one MPS daemon per node
  GpuVendor gpu_vendor = GpuVendor::none;
  std::string gpu_env;  // the visible-devices variable; "" = the vendor's (CUDA_/ROCR_VISIBLE_DEVICES)
  GpuBinding gpu_binding = GpuBinding::none;

  std::vector<std::string> modules;        // `module load` in this order
  std::map<std::string, std::string> env;  // exported literally (no shell expansion)
  std::string python;                      // SV_PYTHON_EXECUTABLE and first on PATH ("" = the built-in one)
  std::string r;                           // Rscript to put first on PATH ("" = leave PATH alone)

  std::string queue;    // partition / queue ("" = the scheduler's default)
  std::string project;  // account / project / allocation
  int walltime_s = 3600;
  std::string pbs_select;               // PBS only: replaces ncpus/ngpus in `-l select=N:...`
  std::vector<std::string> directives;  // extra scheduler directives, written after the prefix
};

/// Parses site YAML text; `origin` names it in errors (`ORIGIN:LINE: KEY: what`), `default_name` is used
/// when the file has no `name:`.
SiteSpec parse_site(const std::string& text, const std::string& origin, const std::string& default_name);

/// Reads and parses a site file.
SiteSpec load_site(const std::string& path);

/// Folders searched for `NAME.yaml`: $SV_SITE_PATH (colon-separated) first, then the compiled-in
/// site_configs/ of the source tree.
std::vector<std::string> site_search_path();

/// A site by name (`generic-slurm`) from site_search_path(), or by path when `name_or_path` contains a
/// '/' or ends in .yaml/.yml. Throws ConfigError listing the folders searched and the names found there.
SiteSpec find_site(const std::string& name_or_path);

/// The names of every site file in the search path, sorted, without duplicates.
std::vector<std::string> available_sites();

}  // namespace sv::site
