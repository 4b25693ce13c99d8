#include "prune/asha.hpp"

#include <cstdint>
#include <limits>

#include "prune/rung_rule.hpp"

namespace sv::prune {

Asha::Asha(const PrunerOptions& options, int first_rung_epoch)
    : options_(options), first_(first_rung_epoch > 0 ? first_rung_epoch : std::max(1, options.min_epochs)) {}

int Asha::rung_epoch(int rung) const {
  long long e = first_;
  for (int k = 0; k < rung; ++k) {
    e *= std::max(2, options_.reduction_factor);
    if (e > std::numeric_limits<int>::max() / 4) return std::numeric_limits<int>::max();
  }
  return static_cast<int>(e);
}

std::optional<Decision> Asha::on_report(const std::string& trial, int epoch, const std::vector<double>& values) {
  int& next = next_rung_[trial];
  if (epoch < rung_epoch(next)) return std::nullopt;
  // Judged at the highest rung this report reaches (a model reporting every few epochs may pass several).
  int rung = next;
  while (epoch >= rung_epoch(rung + 1)) ++rung;
  next = rung + 1;
  // A rung at the full training's length would stop nothing: the trial is done by then.
  if (options_.max_epochs > 0 && rung_epoch(rung) >= options_.max_epochs) return std::nullopt;
  if (rungs_.size() <= static_cast<std::size_t>(rung)) rungs_.resize(static_cast<std::size_t>(rung) + 1);
  auto& here = rungs_[static_cast<std::size_t>(rung)];
  Decision d;
  d.rung = rung;
  d.rung_epoch = rung_epoch(rung);
  d.values = values;
  for (const auto& other : here) d.rung_values.push_back(other);  // minimized: see below
  here.push_back(as_minimized(values, options_.metrics));
  const std::size_t n = here.size();
  d.stop = n >= static_cast<std::size_t>(std::max(1, options_.min_trials)) &&
           !promoted(here, n - 1, options_.reduction_factor);
  // Report the others' values as they were given, not negated.
  for (auto& v : d.rung_values)
    for (std::size_t i = 0; i < v.size() && i < options_.metrics.size(); ++i)
      if (options_.metrics[i].goal == Goal::maximize) v[i] = -v[i];
  return d;
}

Hyperband::Hyperband(const PrunerOptions& options) {
  const int eta = std::max(2, options.reduction_factor);
  long long first = std::max(1, options.min_epochs);
  const long long last = std::max<long long>(first, options.max_epochs);
  do {
    brackets_.emplace_back(options, static_cast<int>(first));
    first *= eta;
  } while (first < last);
}

std::size_t Hyperband::bracket_of(const std::string& trial) const {
  // FNV-1a: the same trial lands in the same bracket in every session (std::hash need not be stable).
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : trial) h = (h ^ c) * 1099511628211ull;
  return static_cast<std::size_t>(h % brackets_.size());
}

std::optional<Decision> Hyperband::on_report(const std::string& trial, int epoch, const std::vector<double>& values) {
  return brackets_[bracket_of(trial)].on_report(trial, epoch, values);
}

}  // namespace sv::prune
