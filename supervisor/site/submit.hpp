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

/// The command that submits `script` (absolute) to `scheduler`. Not for Scheduler::local.
SubmitCommand submit_command(Scheduler scheduler, const std::string& script, JobMode mode);

/// The job id in a submission command's stdout, or "" when there is none. Slurm (--parsable):
/// `123` or `123;cluster`; LSF: `Job <123> is submitted ...`; PBS: `123.server`; Cobalt: the last line
/// that is a number.
std::string parse_job_id(Scheduler scheduler, const std::string& output);

/// Submits and returns the job id. Throws core::UsageError with the command and what it printed when
/// it cannot be started, fails, times out (60 s) or prints no job id.
std::string submit_job(Scheduler scheduler, const std::string& script, const std::string& run_dir,
                       JobMode mode);

/// Scheduler names as the store records them ("slurm", ...) back to the enum; throws ConfigError.
Scheduler scheduler_from_string(const std::string& name);

}  // namespace sv::site
