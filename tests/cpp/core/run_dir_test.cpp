// The run directory's layout is named in one place.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/run_dir.hpp"

using sv::core::RunDir;

TEST_CASE("a run directory names the store, the workflow copy, the lock, the exit status and the job script") {
  RunDir dir("/runs/hpo-1");
  CHECK(dir.root() == "/runs/hpo-1");
  CHECK(dir.store() == "/runs/hpo-1/supervisor.db");
  CHECK(dir.workflow_copy() == "/runs/hpo-1/workflow.yaml");
  CHECK(dir.lock() == "/runs/hpo-1/supervisor.lock");
  CHECK(dir.exit_status() == "/runs/hpo-1/supervisor.exit");
  CHECK(dir.job_script() == "/runs/hpo-1/job.sh");
  CHECK(dir.mps() == "/runs/hpo-1/mps");
  CHECK(dir.job_output("-%j.out") == "/runs/hpo-1/job-%j.out");
  CHECK(dir.worker_log(3) == "/runs/hpo-1/logs/worker-3.log");
}

TEST_CASE("each task has its folder under tasks/, and an unsafe node id gets none") {
  RunDir dir("/runs/hpo-1");
  CHECK(dir.tasks() == "/runs/hpo-1/tasks");
  CHECK(dir.task("1.2.3") == "/runs/hpo-1/tasks/1.2.3");
  CHECK_THROWS_AS(dir.task("../escape"), sv::core::ModelError);
  CHECK_THROWS_AS(dir.task(""), sv::core::ModelError);
}
