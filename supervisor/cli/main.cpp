// The `supervisor` executable: parses the command line (CLI11) and hands over to a subcommand.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "cli/submit.hpp"
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
  std::string run_walltime, resume_walltime;
  run_cmd->add_option("--walltime", run_walltime,
                      "Allocation length (H:MM:SS or seconds; default SV_WALLTIME_S): drain before it ends");
  run_cmd->add_option("--drain-margin", run.drain_margin_s, "Seconds before walltime to drain (default 10%)");

  sv::cli::RunArgs resume;
  resume.resume = true;
  auto* resume_cmd = app.add_subcommand("resume", "Continue an interrupted run: done tasks are kept, the rest run");
  resume_cmd->add_option("run_dir", resume.out_dir, "Run directory")->required();
  resume_cmd->add_option("--workers,-w", resume.workers, "Worker ranks (default: resources.workers)")
      ->check(CLI::PositiveNumber);
  resume_cmd->add_flag("--force", resume.force, "Go on even though the workflow file changed since the run started");
  resume_cmd->add_option("--walltime", resume_walltime,
                         "Allocation length (H:MM:SS or seconds; default SV_WALLTIME_S): drain before it ends");
  resume_cmd->add_option("--drain-margin", resume.drain_margin_s, "Seconds before walltime to drain (default 10%)");

  std::string validate_file;
  auto* validate_cmd = app.add_subcommand("validate", "Check a workflow file without running it");
  validate_cmd->add_option("workflow", validate_file, "Workflow YAML file")->required();

  sv::cli::StatusArgs status;
  auto* status_cmd = app.add_subcommand("status", "Show a run's progress and results (also while it runs)");
  status_cmd->add_option("run_dir", status.run_dir, "Run directory")->required();
  status_cmd->add_flag("--watch", status.watch, "Redraw every --interval seconds until the run ends");
  status_cmd->add_option("--interval,-n", status.interval_s, "Seconds between redraws with --watch (default 2)")
      ->check(CLI::PositiveNumber);
  status_cmd->add_flag("--json", status.json, "Print one JSON object (one per line with --watch)");

  sv::cli::ReportArgs report;
  auto* report_cmd = app.add_subcommand("report", "Write RUN_DIR/report.html: utilization, objective and parameter plots");
  report_cmd->add_option("run_dir", report.run_dir, "Run directory")->required();
  report_cmd->add_option("--out,-o", report.out, "Page to write (default: RUN_DIR/report.html)");

  sv::cli::ExportArgs export_args;
  auto* export_cmd = app.add_subcommand("export", "Write a run's tasks and per-epoch metrics as CSV or JSON");
  export_cmd->add_option("run_dir", export_args.run_dir, "Run directory")->required();
  export_cmd->add_option("--format,-f", export_args.format, "csv (tasks + metrics files) or json (one file)")
      ->check(CLI::IsMember({"csv", "json"}));
  export_cmd->add_option("--out,-o", export_args.out,
                         "File to write, - for stdout (default: RUN_DIR/tasks.csv and metrics.csv, or RUN_DIR/export.json)");

  sv::cli::SubmitArgs submit;
  auto* submit_cmd = app.add_subcommand("submit", "Write a site's batch script into a new run directory and submit it");
  submit_cmd->add_option("workflow", submit.workflow, "Workflow YAML file");
  submit_cmd->add_option("--site,-s", submit.site, "Site name in site_configs/ (or $SV_SITE_PATH), or a site YAML file "
                                                   "(default: the workflow's site:)");
  submit_cmd->add_option("--nodes,-N", submit.nodes, "Nodes (default: enough for resources.workers)")
      ->check(CLI::PositiveNumber);
  submit_cmd->add_option("--walltime,-t", submit.walltime, "Walltime H:MM:SS (default: the site's)");
  submit_cmd->add_option("--queue,-q", submit.queue, "Queue or partition (default: the site's)");
  submit_cmd->add_option("--project,-A", submit.project, "Project or account (default: the site's)");
  submit_cmd->add_flag("--dry-run", submit.dry_run, "Write and print job.sh only: no store, nothing submitted");
  submit_cmd->add_option("--out,-o", submit.out_dir, "Run directory (default: runs/<name>-<timestamp>)");
  submit_cmd->add_option("--resubmit", submit.resubmit, "Successor jobs to submit while the run is not done")
      ->check(CLI::NonNegativeNumber);
  submit_cmd->add_option("--continue", submit.continue_dir,
                         "Run directory: submit its next job unless it is done (the job script calls this)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); its own codes (105, 106, ...) are not the README's: every
    // command-line error is bad input, exit 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    const char* env_walltime = std::getenv("SV_WALLTIME_S");
    auto walltime = [&](const std::string& given) {
      if (!given.empty()) return sv::cli::parse_walltime(given);
      return env_walltime && *env_walltime ? sv::cli::parse_walltime(env_walltime) : 0.0;
    };
    if (*run_cmd) {
      run.walltime_s = walltime(run_walltime);
      return sv::cli::cmd_run(run);
    }
    if (*resume_cmd) {
      resume.walltime_s = walltime(resume_walltime);
      return sv::cli::cmd_run(resume);
    }
    if (*submit_cmd) return sv::cli::cmd_submit(submit);
    if (*validate_cmd) return sv::cli::cmd_validate(validate_file);
    if (*status_cmd) return sv::cli::cmd_status(status);
    if (*report_cmd) return sv::cli::cmd_report(report);
    if (*export_cmd) return sv::cli::cmd_export(export_args);
  } catch (const sv::core::Error& e) {
    std::fprintf(stderr, "supervisor: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "supervisor: internal error: %s\n", e.what());
    return 70;
  }
  return 0;
}
