// The rule that decides at a rung who goes on: keep about 1 in reduction_factor of the trials seen there.
// Values are compared as "lower is better" (a maximized metric is negated first). With one metric the
// kept ones are the best ceil-free n / reduction_factor (at least one), ties kept; with several, the
// rung's reports are sorted into non-dominated fronts and whole fronts are kept, best first, until at least
// that many are kept: a trial on the first front (dominated by no other) is never pruned.
#pragma once
#include <cstddef>
#include <vector>

#include "prune/pruner.hpp"

namespace sv::prune {

/// Values of one report made "lower is better", metric by metric.
std::vector<double> as_minimized(const std::vector<double>& values, const std::vector<PrunedMetric>& metrics);

/// True when `a` dominates `b` (lower is better): no worse in every metric, better in one.
bool dominates(const std::vector<double>& a, const std::vector<double>& b);

/// Whether rung entry `self` goes on, among `rung` (every report at the rung, itself included; values as
/// minimized). NaN values count as worst.
bool promoted(const std::vector<std::vector<double>>& rung, std::size_t self, int reduction_factor);

}  // namespace sv::prune
