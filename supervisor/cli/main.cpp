// The `supervisor` executable: parses the command line (CLI11) and hands over to a subcommand.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/commands.hpp"
#include "cli/submit.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "spec/workflow_spec.hpp"

namespace {

// CLI11's own range checks print their limits as doubles (`0.000000 to 1797693…`, 310 digits); these say
// what a user can type. A validator's message reaches the user as `--option: message`.
CLI::Validator whole_number(long long low, long long high) {
  const std::string range = std::to_string(low) + " to " + std::to_string(high);
  return CLI::Validator(
      [low, high, range](std::string& text) -> std::string {
        long long v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc() && end == text.data() + text.size() && v >= low && v <= high) return "";
        return "expected a whole number from " + range + ", got '" + text + "'";
      },
      "INT in " + range);
}

CLI::Validator seconds(bool zero_allowed) {
  const std::string what = zero_allowed ? "seconds ≥ 0" : "seconds > 0";
  return CLI::Validator(
      [zero_allowed, what](std::string& text) -> std::string {
        char* end = nullptr;
        double v = std::strtod(text.c_str(), &end);
        bool ok = !text.empty() && *end == '\0' && std::isfinite(v) && (zero_allowed ? v >= 0 : v > 0);
        return ok ? "" : "expected " + what + ", got '" + text + "'";
      },
      what);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Supervisor: dataflow workflows of deep-learning model runs on HPC machines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "supervisor 0.1.0");

  sv::cli::RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a workflow (starts the MPI job itself on the local site)");
  run_cmd->add_option("workflow", run.workflow, "Workflow YAML file")->required();
  run_cmd->add_option("--workers,-w", run.workers, "Worker ranks (default: resources.workers)")
      ->check(whole_number(1, sv::spec::kMaxWorkers));
  run_cmd->add_option("--out,-o", run.out_dir, "Run directory (default: runs/<name>-<timestamp>)");
  run_cmd->add_flag("--resume", run.resume, "Continue the run in --out if it exists (done tasks are kept)");
  run_cmd->add_flag("--force", run.force, "With --resume: go on even though the workflow file changed");
  std::string run_walltime, resume_walltime;
  run_cmd->add_option("--walltime", run_walltime,
                      "Allocation length (H:MM:SS, MM:SS or seconds; default SV_WALLTIME_S): drain before it ends");
  run_cmd->add_option("--drain-margin", run.drain_margin_s, "Seconds before walltime to drain (default 10%)")
      ->check(seconds(true));

  sv::cli::RunArgs resume;
  resume.resume = true;
  auto* resume_cmd = app.add_subcommand("resume", "Continue an interrupted run: done tasks are kept, the rest run");
  resume_cmd->add_option("run_dir", resume.out_dir, "Run directory")->required();
  resume_cmd->add_option("--workers,-w", resume.workers, "Worker ranks (default: resources.workers)")
      ->check(whole_number(1, sv::spec::kMaxWorkers));
  resume_cmd->add_flag("--force", resume.force, "Go on even though the workflow file changed since the run started");
  resume_cmd->add_option("--walltime", resume_walltime,
                         "Allocation length (H:MM:SS, MM:SS or seconds; default SV_WALLTIME_S): drain before it ends");
  resume_cmd->add_option("--drain-margin", resume.drain_margin_s, "Seconds before walltime to drain (default 10%)")
      ->check(seconds(true));

  std::string validate_file;
  auto* validate_cmd = app.add_subcommand("validate", "Check a workflow file without running it");
  validate_cmd->add_option("workflow", validate_file, "Workflow YAML file")->required();

  sv::cli::StatusArgs status;
  auto* status_cmd = app.add_subcommand("status", "Show a run's progress and results (also while it runs)");
  status_cmd->add_option("run_dir", status.run_dir, "Run directory")->required();
  status_cmd->add_flag("--watch", status.watch, "Redraw every --interval seconds until the run ends");
  status_cmd->add_option("--interval,-n", status.interval_s, "Seconds between redraws with --watch (default 2)")
      ->check(seconds(false));
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
      ->check(whole_number(1, sv::spec::kMaxWorkers));
  submit_cmd->add_option("--walltime,-t", submit.walltime, "Walltime H:MM:SS, MM:SS or seconds (default: the site's)");
  submit_cmd->add_option("--queue,-q", submit.queue, "Queue or partition (default: the site's)");
  submit_cmd->add_option("--project,-A", submit.project, "Project or account (default: the site's)");
  submit_cmd->add_flag("--dry-run", submit.dry_run, "Write and print job.sh only: no store, nothing submitted");
  submit_cmd->add_option("--out,-o", submit.out_dir, "Run directory (default: runs/<name>-<timestamp>)");
  submit_cmd->add_option("--resubmit", submit.resubmit, "Successor jobs to submit while the run is not done")
      ->check(whole_number(0, 1000));
  submit_cmd->add_option("--continue", submit.continue_dir,
                         "Run directory: submit its next job unless it is done (the job script calls this)");
  submit_cmd->add_option("--after", submit.after,
                         "With --continue (Slurm): the running job; queue the successor behind it, or cancel the "
                         "one queued when the run needs none");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Every command-line error is bad input: one line and status 2, as for a bad workflow file.
    std::fprintf(stderr, "supervisor: error: %s (see --help)\n", sv::core::escape_line(e.what()).c_str());
    return 2;
  }

  try {
    if (*run_cmd) {
      sv::cli::resolve_walltime(run, run_walltime);
      return sv::cli::cmd_run(run);
    }
    if (*resume_cmd) {
      sv::cli::resolve_walltime(resume, resume_walltime);
      return sv::cli::cmd_run(resume);
    }
    if (*submit_cmd) return sv::cli::cmd_submit(submit);
    if (*validate_cmd) return sv::cli::cmd_validate(validate_file);
    if (*status_cmd) return sv::cli::cmd_status(status);
    if (*report_cmd) return sv::cli::cmd_report(report);
    if (*export_cmd) return sv::cli::cmd_export(export_args);
  } catch (const sv::core::Error& e) {
    std::fprintf(stderr, "supervisor: error: %s\n", sv::core::escape_line(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "supervisor: internal error: %s\n", sv::core::escape_line(e.what()).c_str());
    return 70;
  }
  return 0;
}
