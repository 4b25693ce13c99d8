// `supervisor status RUN_DIR`: reads the store read-only (WAL lets it run beside the writing server).
#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "cli/summary.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "spec/parse.hpp"
#include "store/store.hpp"

namespace sv::cli {

int cmd_status(const std::string& run_dir) {
  std::string db = store_path(run_dir);
  if (!std::filesystem::exists(db))
    throw core::UsageError(run_dir + ": not a run directory (no supervisor.db inside)");
  auto store = store::Store::open(db, store::OpenMode::read_only);
  auto run = store->run();
  auto counts = store->counts();
  double end = run.status == "running" ? core::wall_now() : run.updated;
  std::printf("run %s (%s): %s, elapsed %s\n", run.name.c_str(), run.workflow.c_str(), run.status.c_str(),
              core::format_duration(end - run.created).c_str());
  std::printf("tasks: %lld done, %lld running, %lld pending, %lld failed (%lld recorded)\n",
              static_cast<long long>(counts.done), static_cast<long long>(counts.running),
              static_cast<long long>(counts.pending), static_cast<long long>(counts.failed),
              static_cast<long long>(counts.total()));

  auto running = store->tasks_with_status(store::TaskStatus::running);
  if (!running.empty()) {
    std::printf("running:\n");
    double now = core::wall_now();
    for (std::size_t i = 0; i < running.size() && i < 20; ++i) {
      const auto& t = running[i];
      std::printf("  %-12s worker %d on %s, %s\n", t.node_id.c_str(), t.worker, t.host.c_str(),
                  core::format_duration(now - t.dispatch_time).c_str());
    }
    if (running.size() > 20) std::printf("  ... and %zu more\n", running.size() - 20);
  }

  // The objective's direction comes from the workflow the run was started with.
  bool minimize = true;
  try {
    minimize = spec::parse_workflow(run.spec_text, run.spec_path, "").objective.goal ==
               spec::ObjectiveGoal::minimize;
  } catch (const core::Error&) {
  }
  print_best(*store, minimize, 5);
  auto failed = store->tasks_with_status(store::TaskStatus::failed);
  for (std::size_t i = 0; i < failed.size() && i < 5; ++i) {
    std::string first = failed[i].error.substr(0, failed[i].error.find('\n'));
    std::printf("failed %-12s %s\n", failed[i].node_id.c_str(), first.substr(0, 150).c_str());
  }
  return 0;
}

}  // namespace sv::cli
