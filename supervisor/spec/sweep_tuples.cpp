#include "spec/sweep_tuples.hpp"

#include <limits>

#include "core/errors.hpp"
#include "spec/parse.hpp"

namespace sv::spec {

SweepTuples::SweepTuples(std::vector<Json> rows) : rows_(std::move(rows)), size_(rows_.size()) {}

SweepTuples::SweepTuples(std::vector<std::pair<std::string, std::vector<Json>>> grid, const std::string& origin)
    : grid_(std::move(grid)) {
  size_ = grid_.empty() ? 0 : 1;
  for (const auto& [name, values] : grid_) {
    if (values.empty()) {
      size_ = 0;
      break;
    }
    if (size_ > std::numeric_limits<std::size_t>::max() / values.size())
      throw core::ConfigError(origin + ": sweep.grid: the product of the value lists is too large to run");
    size_ *= values.size();
  }
}

Json SweepTuples::take(std::size_t i) {
  if (grid_.empty()) return std::move(rows_[i]);
  // Mixed radix, last key fastest: the digits of i from the last key back (a JSON object keeps its keys
  // sorted, so the order they are set in does not matter).
  Json tuple = Json::object();
  for (std::size_t k = grid_.size(); k-- > 0;) {
    const auto& [name, values] = grid_[k];
    tuple[name] = values[i % values.size()];
    i /= values.size();
  }
  return tuple;
}

SweepTuples sweep_tuples(const WorkflowSpec& spec) {
  if (spec.sweep.source == SweepSpec::Source::grid)
    return SweepTuples(spec.sweep.grid, spec.source_path.empty() ? spec.name : spec.source_path);
  return SweepTuples(expand_sweep(spec));
}

}  // namespace sv::spec
