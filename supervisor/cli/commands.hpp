// CLI: the `supervisor` command's subcommands. Each returns the process exit status; bad input throws a
// core::Error whose message main() prints as one line.
#pragma once
#include <string>

namespace sv::cli {

struct RunArgs {
  std::string workflow;  // path to the workflow YAML ("" for `resume`: the run's own)
  std::string out_dir;   // "" = runs/<name>-<timestamp>; for `resume`, the run directory
  int workers = 0;       // 0 = resources.workers from the YAML
  bool resume = false;   // continue the run in out_dir: done tasks are kept, the rest run
  bool force = false;    // resume even though the workflow file changed
  double walltime_s = 0;      // the allocation's length from the job's start; 0 = none (SV_WALLTIME_S)
  double drain_margin_s = 0;  // how long before walltime to drain; 0 = 10% of walltime, 10 s to 5 min
};

/// Seconds from a walltime option or variable (core/walltime.hpp's grammar); `what` names it in the
/// message ("--walltime", "SV_WALLTIME_S"). Throws core::UsageError.
double parse_walltime(const std::string& what, const std::string& text);

/// Sets args.walltime_s from `given` (else from SV_WALLTIME_S) and checks args.drain_margin_s against it:
/// finite, ≥ 0 and less than the walltime. Throws core::UsageError.
void resolve_walltime(RunArgs& args, const std::string& given);

/// `supervisor run` and `supervisor resume`: outside MPI, validate and start the MPI job (mpiexec) running
/// this same command; inside an MPI job (mpiexec/srun started us), run as server or worker by rank.
int cmd_run(const RunArgs& args);
int cmd_validate(const std::string& workflow);

struct StatusArgs {
  std::string run_dir;
  bool watch = false;        // redraw until the run is no longer running
  double interval_s = 2.0;   // between redraws
  bool json = false;         // one JSON object (per redraw) instead of text
};
int cmd_status(const StatusArgs& args);

struct ReportArgs {
  std::string run_dir;
  std::string out;  // "" = RUN_DIR/report.html
};
/// Runs the Python report package (supervisor/report/sv_report) in a child process; returns its status.
int cmd_report(const ReportArgs& args);

struct ExportArgs {
  std::string run_dir;
  std::string format = "csv";  // csv | json
  std::string out;             // "" = RUN_DIR/tasks.csv (+ metrics.csv) or RUN_DIR/export.json; "-" = stdout
};
int cmd_export(const ExportArgs& args);

/// True when this process is one rank of an MPI job (Open MPI, MPICH/Hydra, PMIx/srun).
bool launched_under_mpi();

/// The store file inside a run directory.
std::string store_path(const std::string& run_dir);

}  // namespace sv::cli
