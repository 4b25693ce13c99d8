#include "cli/summary.hpp"

#include <cstdio>

#include "cli/commands.hpp"
#include "core/clock.hpp"

namespace sv::cli {

namespace {
std::string clip(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }
}  // namespace

std::string first_failure_line(const store::Store& store) {
  auto failed = store.tasks_with_status(store::TaskStatus::failed, 1);
  if (failed.empty()) return "no failure recorded";
  const auto& t = failed.front();
  return "first failure (node " + t.node_id + "): " + clip(t.error.substr(0, t.error.find('\n')), 150);
}

void print_best(const store::Store& store, bool minimize, int limit) {
  auto best = store.best_tasks(limit, minimize);
  if (best.empty()) {
    std::printf("no results with an objective yet\n");
    return;
  }
  std::printf("%-12s %-14s %s\n", "node", "objective", "parameters");
  for (const auto& t : best)
    std::printf("%-12s %-14.6g %s\n", t.node_id.c_str(), t.objective.value_or(0), clip(t.params, 90).c_str());
}

void print_summary(const spec::WorkflowSpec& spec, const store::Store& store, const std::string& out_dir,
                   const engine::RunOutcome& outcome) {
  const auto& c = outcome.counts;
  // The graph counts a pruned trial as done (it finished for good); the store tells them apart.
  const long long pruned = spec.optimizer.pruner.kind != prune::PrunerKind::none ? store.counts().pruned : 0;
  const std::string of_them = pruned > 0 ? " (" + std::to_string(pruned) + " of them pruned early)" : "";
  std::printf("\nrun %s (%s): %zu done%s, %zu failed in %s\n", spec.name.c_str(), spec::to_string(spec.kind), c.done,
              of_them.c_str(), c.failed, core::format_duration(outcome.elapsed).c_str());
  bool minimize = spec.objective.goal == spec::ObjectiveGoal::minimize;
  std::printf("best by %s (%s):\n", spec.objective.metric.c_str(), minimize ? "minimize" : "maximize");
  print_best(store, minimize, 5);
  if (c.failed > 0) std::printf("%s\n", first_failure_line(store).c_str());
  std::printf("run directory: %s\nstore:         %s\n", out_dir.c_str(), store_path(out_dir).c_str());
  std::fflush(stdout);
}

}  // namespace sv::cli
