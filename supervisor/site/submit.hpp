// Submitting a job script to a scheduler: the command as an argv list (sbatch, bsub, qsub, Cobalt's
// qsub; never a shell string), its output parsed for the job id. The `local` scheduler starts the script
// in the background under bash, in its own session, and its job id is the process id.
#pragma once
#include <string>
#include <vector>

#include "site/site.hpp"

namespace sv::site {

/// A first job runs the workflow; a successor resumes the run (the script reads SV_JOB_MODE).
enum class JobMode { run, resume };

struct SubmitCommand {
  std::vector<std::string> argv;
  std::string stdin_path;  // "" unless the scheduler reads the script on stdin (bsub)
};

/// A successor queued while its predecessor runs: it starts once job `job_id` has ended, however it ended
/// (a node that dies takes the predecessor's script with it, so the script cannot submit it then), on as
/// few as 1 and at most `max_nodes` nodes: a campaign goes on on the nodes left. Slurm only
/// (`--dependency=afterany:ID --nodes=1-N`).
struct QueuedAfter {
  std::string job_id;
  int max_nodes = 1;
};

/// The command that submits `script` (absolute) to `scheduler`; with `after`, queued behind that job
/// (throws core::UsageError for a scheduler other than Slurm). Not for Scheduler::local.
SubmitCommand submit_command(Scheduler scheduler, const std::string& script, JobMode mode,
                             const QueuedAfter* after = nullptr);

/// The job id in a submission command's stdout, or "" when there is none. Slurm (--parsable):
/// `123` or `123;cluster`; LSF: `Job <123> is submitted ...`; PBS: `123.server`; Cobalt: the last line
/// that is a number.
std::string parse_job_id(Scheduler scheduler, const std::string& output);

/// Submits and returns the job id. Throws core::UsageError with the command and what it printed when
/// it cannot be started, fails, times out (60 s) or prints no job id.
std::string submit_job(Scheduler scheduler, const std::string& script, const std::string& run_dir,
                       JobMode mode, const QueuedAfter* after = nullptr);

/// Cancels a queued job (`scancel ID`; Slurm only). Throws core::UsageError with what the command said.
void cancel_job(Scheduler scheduler, const std::string& job_id);

/// A job id as schedulers print them: 1..128 of [A-Za-z0-9._-[]@:].
bool is_job_id(const std::string& s);

/// Scheduler names as the store records them ("slurm", ...) back to the enum; throws ConfigError.
Scheduler scheduler_from_string(const std::string& name);

}  // namespace sv::site
