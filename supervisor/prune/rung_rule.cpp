#include "prune/rung_rule.hpp"

#include <cmath>
#include <limits>

namespace sv::prune {

std::vector<double> as_minimized(const std::vector<double>& values, const std::vector<PrunedMetric>& metrics) {
  std::vector<double> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    double v = values[i];
    if (std::isnan(v)) v = std::numeric_limits<double>::infinity();  // a diverged training is worst
    else if (i < metrics.size() && metrics[i].goal == Goal::maximize) v = -v;
    out[i] = v;
  }
  return out;
}

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool better = false;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

bool promoted(const std::vector<std::vector<double>>& rung, std::size_t self, int reduction_factor) {
  const std::size_t n = rung.size();
  const std::size_t keep = std::max<std::size_t>(1, n / static_cast<std::size_t>(std::max(1, reduction_factor)));
  // Non-dominated sorting, front by front, until `self` is placed or `keep` trials are kept before it.
  std::vector<bool> placed(n, false);
  std::size_t kept_before = 0;
  while (kept_before < keep) {
    std::vector<std::size_t> front;
    for (std::size_t i = 0; i < n; ++i) {
      if (placed[i]) continue;
      bool dominated = false;
      for (std::size_t j = 0; j < n && !dominated; ++j)
        dominated = j != i && !placed[j] && dominates(rung[j], rung[i]);
      if (!dominated) front.push_back(i);
    }
    for (std::size_t i : front) {
      if (i == self) return true;  // its front is reached before `keep` are kept: the whole front goes on
      placed[i] = true;
    }
    kept_before += front.size();
    if (front.empty()) break;
  }
  return false;
}

}  // namespace sv::prune
