// The `supervisor` executable: parses the command line (CLI11) and hands over to a subcommand.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.hpp"
#include "core/errors.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Supervisor: dataflow workflows of deep-learning model runs on HPC machines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "supervisor 0.1.0");

  sv::cli::RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a workflow (starts the MPI job itself on the local site)");
  run_cmd->add_option("workflow", run.workflow, "Workflow YAML file")->required();
  run_cmd->add_option("--workers,-w", run.workers, "Worker ranks (default: resources.workers)")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--out,-o", run.out_dir, "Run directory (default: runs/<name>-<timestamp>)");
  run_cmd->add_flag("--resume", run.resume, "Continue the run in --out if it exists (done tasks are kept)");
  run_cmd->add_flag("--force", run.force, "With --resume: go on even though the workflow file changed");

  sv::cli::RunArgs resume;
  resume.resume = true;
  auto* resume_cmd = app.add_subcommand("resume", "Continue an interrupted run: done tasks are kept, the rest run");
  resume_cmd->add_option("run_dir", resume.out_dir, "Run directory")->required();
  resume_cmd->add_option("--workers,-w", resume.workers, "Worker ranks (default: resources.workers)")
      ->check(CLI::PositiveNumber);
  resume_cmd->add_flag("--force", resume.force, "Go on even though the workflow file changed since the run started");

  std::string validate_file;
  auto* validate_cmd = app.add_subcommand("validate", "Check a workflow file without running it");
  validate_cmd->add_option("workflow", validate_file, "Workflow YAML file")->required();

  std::string status_dir;
  auto* status_cmd = app.add_subcommand("status", "Show a run's progress and results (also while it runs)");
  status_cmd->add_option("run_dir", status_dir, "Run directory")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*run_cmd) return sv::cli::cmd_run(run);
    if (*resume_cmd) return sv::cli::cmd_run(resume);
    if (*validate_cmd) return sv::cli::cmd_validate(validate_file);
    if (*status_cmd) return sv::cli::cmd_status(status_dir);
  } catch (const sv::core::Error& e) {
    std::fprintf(stderr, "supervisor: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "supervisor: internal error: %s\n", e.what());
    return 70;
  }
  return 0;
}
