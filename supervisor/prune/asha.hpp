// ASHA (asynchronous successive halving) and Hyperband over it. Rung k is at epoch
// min_epochs * reduction_factor^k; a trial reaching a rung is judged at once against the reports that rung
// already holds (rung_rule.hpp), the way Optuna's SuccessiveHalvingPruner does, so nobody waits for a rung
// to fill. Hyperband runs several ASHA brackets with first rungs min_epochs * reduction_factor^s (s = 0 ..
// while below max_epochs); a trial belongs to one bracket, picked from its name, so a resumed run puts it in
// the same one.
#pragma once
#include <unordered_map>

#include "prune/pruner.hpp"

namespace sv::prune {

class Asha : public Pruner {
 public:
  explicit Asha(const PrunerOptions& options, int first_rung_epoch = 0);
  std::optional<Decision> on_report(const std::string& trial, int epoch, const std::vector<double>& values) override;
  int rung_epoch(int rung) const;

 private:
  PrunerOptions options_;
  int first_ = 1;
  std::vector<std::vector<std::vector<double>>> rungs_;  // rung -> reports there (minimized), arrival order
  std::unordered_map<std::string, int> next_rung_;       // trial -> the first rung it has not been judged at
};

class Hyperband : public Pruner {
 public:
  explicit Hyperband(const PrunerOptions& options);
  std::optional<Decision> on_report(const std::string& trial, int epoch, const std::vector<double>& values) override;
  std::size_t brackets() const { return brackets_.size(); }
  /// The bracket a trial belongs to (a stable hash of its name).
  std::size_t bracket_of(const std::string& trial) const;

 private:
  std::vector<Asha> brackets_;
};

}  // namespace sv::prune
