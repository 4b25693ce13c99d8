// Pruning: the server's side of early stopping (issue 16). Terms: a task's *report* is one progress
// message with an "epoch" (ctx.report); the pruner (prune/pruner.hpp) judges reports; a *stop decision*
// makes the server send that task a per-task stop. Every decision is recorded in the store
// (prune_decisions), and a resumed run rebuilds the pruner from the store (restore) before any new report.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/json_util.hpp"
#include "prune/pruner.hpp"
#include "store/store.hpp"

namespace sv::engine {

class Pruning {
 public:
  Pruning(const prune::PrunerOptions& options, store::Store& store);
  /// Rebuilds the pruner from an earlier session: the metrics the store holds are judged again in the
  /// order they came (so rungs hold what they held), decisions not recorded again; and a task stopped by a
  /// recorded decision that had not ended yet is stopped again at its first report.
  void restore();
  /// A task reported `payload` (a JSON object with "epoch"). True when it must stop now; the decision is
  /// recorded (a report without every pruner metric as a number is not judged).
  bool on_report(std::int64_t task_id, const std::string& node_id, int epoch, const core::Json& payload, double time);

 private:
  std::optional<std::vector<double>> values_of(const core::Json& payload) const;

  prune::PrunerOptions options_;
  store::Store& store_;
  std::unique_ptr<prune::Pruner> pruner_;
  std::unordered_set<std::string> stopped_;  // node ids with a recorded stop decision
};

/// The run's pruning, or nullptr when `optimizer.pruner` is none (or the workflow is no search).
std::unique_ptr<Pruning> make_pruning(const prune::PrunerOptions& options, store::Store& store);

}  // namespace sv::engine
