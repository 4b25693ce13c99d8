// Submission commands are argv lists, and each scheduler's answer yields its job id.
#include "site/submit.hpp"

#include <catch2/catch.hpp>

#include "core/errors.hpp"

using namespace sv::site;
using Argv = std::vector<std::string>;

TEST_CASE("each scheduler gets its own command; a successor asks for resume through the environment",
          "[site]") {
  CHECK(submit_command(Scheduler::slurm, "/r/job.sh", JobMode::run).argv ==
        Argv{"sbatch", "--parsable", "/r/job.sh"});
  CHECK(submit_command(Scheduler::slurm, "/r/job.sh", JobMode::resume).argv ==
        Argv{"sbatch", "--parsable", "--export=ALL,SV_JOB_MODE=resume", "/r/job.sh"});
  SubmitCommand lsf = submit_command(Scheduler::lsf, "/r/job.sh", JobMode::resume);
  CHECK(lsf.argv == Argv{"bsub", "-env", "all,SV_JOB_MODE=resume"});
  CHECK(lsf.stdin_path == "/r/job.sh");  // bsub reads #BSUB lines only from stdin
  CHECK(submit_command(Scheduler::pbs, "/r/job.sh", JobMode::resume).argv ==
        Argv{"qsub", "-v", "SV_JOB_MODE=resume", "/r/job.sh"});
  CHECK(submit_command(Scheduler::cobalt, "/r/job.sh", JobMode::resume).argv ==
        Argv{"qsub", "--env", "SV_JOB_MODE=resume", "/r/job.sh"});
  CHECK(submit_command(Scheduler::cobalt, "/r/job.sh", JobMode::run).argv == Argv{"qsub", "/r/job.sh"});
  CHECK_THROWS_AS(submit_command(Scheduler::local, "/r/job.sh", JobMode::run), sv::core::UsageError);
}

TEST_CASE("a successor queued behind a running job starts after it however it ends, on the nodes left",
          "[site]") {
  const QueuedAfter after{"4242", 3};
  CHECK(submit_command(Scheduler::slurm, "/r/job.sh", JobMode::resume, &after).argv ==
        Argv{"sbatch", "--parsable", "--export=ALL,SV_JOB_MODE=resume", "--dependency=afterany:4242", "--nodes=1-3",
             "/r/job.sh"});
  CHECK_THROWS_AS(submit_command(Scheduler::pbs, "/r/job.sh", JobMode::resume, &after), sv::core::UsageError);
}

TEST_CASE("job ids are read from what each scheduler prints", "[site]") {
  CHECK(parse_job_id(Scheduler::slurm, "4242\n") == "4242");
  CHECK(parse_job_id(Scheduler::slurm, "4242;cluster2\n") == "4242");
  CHECK(parse_job_id(Scheduler::lsf, "Job <123456> is submitted to queue <batch>.\n") == "123456");
  CHECK(parse_job_id(Scheduler::pbs, "98765.polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov\n") ==
        "98765.polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov");
  CHECK(parse_job_id(Scheduler::cobalt,
                     "Job routed to queue \"debug-cache-quad\".\nMemory mode set to cache quad\n556677\n") ==
        "556677");
  CHECK(parse_job_id(Scheduler::slurm, "") == "");
  CHECK(parse_job_id(Scheduler::lsf, "Request aborted by esub.\n") == "");
  CHECK(parse_job_id(Scheduler::pbs, "qsub: Unknown queue\n") == "");
}

TEST_CASE("scheduler names round-trip", "[site]") {
  for (Scheduler s : {Scheduler::local, Scheduler::slurm, Scheduler::lsf, Scheduler::pbs, Scheduler::cobalt})
    CHECK(scheduler_from_string(to_string(s)) == s);
  CHECK_THROWS_AS(scheduler_from_string("sge"), sv::core::ConfigError);
}
