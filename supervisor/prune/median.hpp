// Median stopping: from epoch min_epochs on, a trial whose best value so far is worse than the median of
// the other trials' best values up to the same epoch is stopped (Optuna's MedianPruner, Ray's median
// stopping rule), once at least min_trials others reported that epoch. The first metric is the one compared.
#pragma once
#include <map>
#include <unordered_map>

#include "prune/pruner.hpp"

namespace sv::prune {

class Median : public Pruner {
 public:
  explicit Median(const PrunerOptions& options) : options_(options) {}
  std::optional<Decision> on_report(const std::string& trial, int epoch, const std::vector<double>& values) override;

 private:
  PrunerOptions options_;
  std::unordered_map<std::string, double> best_;  // trial -> best value so far (minimized)
  std::unordered_map<std::string, int> last_epoch_;
  std::map<int, std::unordered_map<std::string, double>> at_epoch_;  // epoch -> trial -> best up to it
};

}  // namespace sv::prune
