#include "prune/median.hpp"

#include <algorithm>
#include <cmath>

#include "prune/rung_rule.hpp"

namespace sv::prune {

std::optional<Decision> Median::on_report(const std::string& trial, int epoch, const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  auto last = last_epoch_.find(trial);
  if (last != last_epoch_.end() && epoch <= last->second) return std::nullopt;  // judged already
  last_epoch_[trial] = epoch;
  const double v = as_minimized({values[0]}, options_.metrics)[0];
  auto best = best_.find(trial);
  const double mine = best == best_.end() ? v : std::min(best->second, v);
  best_[trial] = mine;
  auto& here = at_epoch_[epoch];
  std::vector<double> others;
  for (const auto& [name, b] : here)
    if (name != trial) others.push_back(b);
  here[trial] = mine;
  if (epoch < options_.min_epochs || others.size() < static_cast<std::size_t>(std::max(1, options_.min_trials)))
    return std::nullopt;
  Decision d;
  d.rung_epoch = epoch;
  d.values = values;
  const bool maximize = !options_.metrics.empty() && options_.metrics[0].goal == Goal::maximize;
  for (double o : others) d.rung_values.push_back({maximize ? -o : o});
  std::sort(others.begin(), others.end());
  const std::size_t n = others.size();
  const double median = n % 2 ? others[n / 2] : 0.5 * (others[n / 2 - 1] + others[n / 2]);
  d.stop = mine > median;
  return d;
}

}  // namespace sv::prune
