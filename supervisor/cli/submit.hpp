// `supervisor submit`: renders a site's batch script into a new run directory, creates the run's store
// (status "submitted") and hands the script to the site's scheduler; `--continue RUN_DIR`, called by the
// job script when its MPI job ends (and on Slurm, with `--after JOB`, also when it starts), submits the
// successor of a campaign longer than one allocation.
#pragma once
#include <string>

namespace sv::cli {

struct SubmitArgs {
  std::string workflow;      // the workflow YAML ("" with --continue)
  std::string site;          // site name or path ("" = the workflow's `site:`)
  int nodes = 0;             // 0 = enough nodes for resources.workers
  std::string walltime;      // H:MM:SS, "" = the site's
  std::string queue;         // "" = the site's
  std::string project;       // "" = the site's
  bool dry_run = false;      // write and print job.sh; no store, nothing submitted
  std::string out_dir;       // "" = runs/<name>-<timestamp>
  int resubmit = 0;          // successors the job may submit while the run is not done
  std::string continue_dir;  // --continue RUN_DIR
  // With --continue, from a Slurm job script: the job now running the campaign. Its successor is queued
  // behind it (at most `nodes` nodes, fewer when some are gone) when the job starts, and cancelled when it
  // ends if the run needs none.
  std::string after;
};

int cmd_submit(const SubmitArgs& args);

}  // namespace sv::cli
