// Job scripts: one campaign's batch script for one site, as `supervisor submit` writes it to
// runs/<run>/job.sh. The script loads the site's modules and environment, exports the settings the
// supervisor reads at rank start (SV_GPUS_PER_WORKER, SV_WALLTIME_S, ...), then starts the supervisor
// binary as every rank of one MPI job through the site's launcher, and, when asked, submits its successor.
#pragma once
#include <string>
#include <vector>

#include "site/site.hpp"

namespace sv::site {

/// What one submission asks of the site. Paths are absolute; "" / 0 fields take the site's values.
struct JobRequest {
  std::string job_name;  // shown by the scheduler; made of [A-Za-z0-9._-]
  std::string binary;    // the supervisor executable
  std::string workflow;  // the workflow YAML
  std::string run_dir;   // the run directory (job.sh, the store and the scheduler's output go here)
  int nodes = 1;
  std::string queue;
  std::string project;
  int walltime_s = 0;
  int resubmits = 0;  // successors the job may submit (`--resubmit K`)
};

/// Ranks and cores of one job: ranks = nodes × workers_per_node + 1; the first node carries the server
/// next to its workers, so no node holds more than workers_per_node + 1 ranks.
struct JobLayout {
  int nodes = 1;
  int workers = 1;
  int ranks = 2;
  int ranks_per_node = 2;  // on the first (fullest) node
  int cores_per_rank = 1;  // cores_per_node / ranks_per_node, at least 1
};

JobLayout job_layout(const SiteSpec& site, int nodes);

/// Throws core::UsageError naming the option (`--queue`, `--out`, ...) when a value cannot go into a
/// batch script safely: names outside the safe character set, a run directory a directive cannot carry.
void check_request(const JobRequest& request);

/// The launcher's words before the supervisor binary (`srun -N 2 -n 9 --mpi=pmix`).
std::vector<std::string> launcher_words(const SiteSpec& site, const JobLayout& layout);

/// The whole script. Deterministic: the same site and request give the same bytes (golden tests rely
/// on it). Calls check_request first.
std::string render_job_script(const SiteSpec& site, const JobRequest& request);

}  // namespace sv::site
