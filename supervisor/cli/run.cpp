// `supervisor run` and `supervisor resume`, the launcher: outside MPI it fails fast on bad input (the plan,
// the workflow's inputs, one preflight of its Python), fixes the run directory once, then becomes
// `mpiexec ... supervisor ...` running this same command in every rank (cli/launch.hpp, which also passes
// the user's signals on to the job). Inside the MPI job the same command is cli/run_job.hpp.
#include <string>
#include <vector>

#include "balancer/mpi_session.hpp"
#include "cli/commands.hpp"
#include "cli/job_plan.hpp"
#include "cli/launch.hpp"
#include "cli/preflight.hpp"
#include "cli/run_job.hpp"
#include "core/run_dir.hpp"
#include "engine/workflow.hpp"

namespace sv::cli {

std::string store_path(const std::string& run_dir) { return core::RunDir(run_dir).store(); }

int cmd_run(const RunArgs& args) {
  if (launched_under_mpi()) return run_in_mpi(args);

  balancer::requested_thread_level();  // a bad SV_MPI_THREADS fails here, not in every rank
  JobPlan plan = plan_job(args);
  engine::make_workflow(plan.spec);  // the workflow's inputs (sweep files); starts no optimizer
  preflight(plan.spec, Checks::optimizer);  // the optimizer's package and options, in one child Python
  int workers = args.workers > 0 ? args.workers : plan.spec.resources.workers;
  std::vector<std::string> command = {self_executable()};
  if (args.workflow.empty()) {
    command.insert(command.end(), {"resume", plan.out_dir});
  } else {
    command.insert(command.end(), {"run", plan.spec.source_path, "--out", plan.out_dir});
    if (args.resume) command.push_back("--resume");
  }
  command.insert(command.end(), {"--workers", std::to_string(workers)});
  if (args.force) command.push_back("--force");
  if (args.walltime_s > 0) command.insert(command.end(), {"--walltime", std::to_string(args.walltime_s)});
  if (args.drain_margin_s > 0) command.insert(command.end(), {"--drain-margin", std::to_string(args.drain_margin_s)});
  run_mpi_job(workers + 1, command, plan.out_dir);
}

}  // namespace sv::cli
