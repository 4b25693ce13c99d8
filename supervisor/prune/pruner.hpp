// Pruner: decides, from the per-epoch values that trials report while they run, whether one should stop
// now. Terms: a *trial* is one task of a search, named by its node id; a *report* is one epoch's values of
// the pruner's metrics (one value per metric, in PrunerOptions::metrics order); a *rung* is an epoch at
// which trials are compared (ASHA: min_epochs * reduction_factor^k). Pruners are asynchronous: a trial is
// judged against whatever the others reported so far, so no worker ever waits for a rung to fill.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sv::prune {

enum class PrunerKind { none, asha, hyperband, median };
enum class Goal { minimize, maximize };

struct PrunedMetric {
  std::string name;  // the key in a ctx.report() row
  Goal goal = Goal::minimize;
};

/// `optimizer.pruner` (spec/search_parse.cpp reads it; README "Pruning" documents it).
struct PrunerOptions {
  PrunerKind kind = PrunerKind::none;
  // One metric, or several (objective.metrics with combine: pareto): a trial is then pruned at a rung only
  // when enough others at that rung dominate it (non-dominated sorting, rung_rule.hpp).
  std::vector<PrunedMetric> metrics;
  int min_epochs = 1;        // asha/hyperband: the first rung; median: no decision before this epoch
  int reduction_factor = 3;  // asha/hyperband: about 1 in reduction_factor trials goes on at each rung
  int max_epochs = 0;        // the epochs of a full training: no rung at or past it; hyperband's brackets (0 = unknown)
  int min_trials = 1;        // a rung (asha) or epoch (median) with fewer reports than this prunes nothing
};

/// The answer to a report that was judged (ASHA: it reached a rung; median: an epoch past min_epochs).
struct Decision {
  bool stop = false;
  int rung = -1;        // -1 for median
  int rung_epoch = 0;   // the epoch compared at (median: the report's epoch)
  std::vector<double> values;                    // the trial's, as compared
  std::vector<std::vector<double>> rung_values;  // the others' at that rung, in arrival order
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  /// A trial reported `values` at `epoch`. A decision when this report was judged; nullopt otherwise.
  /// Reports of one trial come in epoch order; one at an epoch already judged is not judged again.
  virtual std::optional<Decision> on_report(const std::string& trial, int epoch, const std::vector<double>& values) = 0;
};

/// The pruner for `options` (nullptr for kind none).
std::unique_ptr<Pruner> make_pruner(const PrunerOptions& options);

const char* to_string(PrunerKind kind);

}  // namespace sv::prune
