// `supervisor status RUN_DIR [--watch] [--json]`: reads the store read-only (WAL lets it run beside the
// writing server and never blocks it), during or after the run.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/commands.hpp"
#include "cli/recorded_workflow.hpp"
#include "cli/status_view.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "spec/parse.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace sv::cli {

namespace {

/// The objective and the expected task count, from the workflow the run recorded. A workflow this build
/// cannot parse (written by a newer supervisor, say) still gets a status, with the defaults.
void read_workflow(const store::RunInfo& run, StatusInputs& in) {
  bool sweep_left_out = run.spec_text.size() > kLargeWorkflowText;
  const std::string dir = run.spec_path.empty() ? "" : fs::path(run.spec_path).parent_path().string();
  spec::WorkflowSpec spec;
  try {
    spec = spec::parse_workflow(sweep_left_out ? without_sweep_block(run.spec_text) : run.spec_text,
                                run.spec_path, dir);
  } catch (const core::Error&) {
    if (sweep_left_out) return;
    // A tuple file moved since the run started fails the parse; the objective does not depend on it.
    try {
      spec = spec::parse_workflow(without_sweep_block(run.spec_text), run.spec_path, dir);
      sweep_left_out = true;
    } catch (const core::Error&) {
      return;
    }
  }
  in.metric = spec.objective.metric;
  in.minimize = spec.objective.goal == spec::ObjectiveGoal::minimize;
  if (spec.kind == spec::WorkflowKind::hpo) {
    in.expected_total = spec.optimizer.max_evals > 0 ? static_cast<std::size_t>(spec.optimizer.max_evals) : 0;
  } else if (spec.kind == spec::WorkflowKind::sweep && !sweep_left_out) {
    // Counted from the spec, not by reading a tuple file: that could take longer than `status` may.
    if (spec.sweep.source == spec::SweepSpec::Source::grid) {
      std::size_t n = 1;
      for (const auto& axis : spec.sweep.grid) n *= axis.second.size();
      in.expected_total = n;
    } else if (spec.sweep.source == spec::SweepSpec::Source::list) {
      in.expected_total = spec.sweep.list.size();
    }
  }
}

// Prints the status once; returns what it showed.
core::Json print_once(const store::Store& store, StatusInputs& in, bool json, bool redraw) {
  in.now = core::wall_now();
  core::Json st = collect_status(store, in);
  std::string text = json ? st.dump() + "\n" : render_status_text(st);
  if (redraw) std::fputs("\033[H\033[2J", stdout);  // home + clear: one screen, redrawn in place
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  return st;
}

}  // namespace

int cmd_status(const StatusArgs& args) {
  std::string db = store_path(args.run_dir);
  if (!fs::is_directory(args.run_dir)) throw core::UsageError(args.run_dir + ": no such run directory");
  if (!fs::exists(db)) throw core::UsageError(args.run_dir + ": not a run directory (no supervisor.db inside)");
  auto store = store::Store::open(db, store::OpenMode::read_only);

  StatusInputs in;
  in.run_dir = args.run_dir;
  read_workflow(store->run(), in);
  if (!args.watch) {
    print_once(*store, in, args.json, false);
    return 0;
  }
  // --watch: redraw until the run is no longer running, then leave its final state on the screen. A run
  // whose job was killed stays marked running: watching stops once it reads as probably killed.
  const bool tty = !args.json && isatty(STDOUT_FILENO);
  const auto interval = std::chrono::duration<double>(args.interval_s > 0 ? args.interval_s : 2.0);
  while (true) {
    // Read before printing: once this says the run ended, the screen printed next shows its end.
    const bool running = store->run().status == "running";
    core::Json st = print_once(*store, in, args.json, tty);
    if (!running) return 0;
    if (probably_killed(st)) {
      std::fprintf(stderr,
                   "supervisor: %s: still marked running but nothing written for %s: the job was probably killed; "
                   "stopped watching (continue it with `supervisor resume %s`)\n",
                   args.run_dir.c_str(), core::format_duration(st["run"]["quiet_s"].get<double>()).c_str(),
                   args.run_dir.c_str());
      return 1;
    }
    std::this_thread::sleep_for(interval);
    if (!tty && !args.json) std::fputs("\n", stdout);
  }
}

}  // namespace sv::cli
