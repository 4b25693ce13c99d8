// Sweep tuples: a sweep's parameter tuples, made one at a time. Terms: tuple i (0-based) of a *grid* is
// read off i in mixed radix, one digit per key, the last key turning fastest (so the first key varies
// slowest), and never stored; a *list* or a *file* keeps its rows. A 10,000,000-point grid costs its value
// lists, not ten million JSON objects.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "spec/workflow_spec.hpp"

namespace sv::spec {

class SweepTuples {
 public:
  /// The tuples of a list or file, in order.
  explicit SweepTuples(std::vector<Json> rows);
  /// The product of a grid's value lists (YAML key order). Throws core::ConfigError when the product does
  /// not fit in a size_t; `origin` names the workflow there.
  SweepTuples(std::vector<std::pair<std::string, std::vector<Json>>> grid, const std::string& origin);

  std::size_t size() const { return size_; }
  /// Tuple i < size(), as a JSON object. Rows are handed over: each is read once (see take()).
  Json take(std::size_t i);

 private:
  std::vector<std::pair<std::string, std::vector<Json>>> grid_;
  std::vector<Json> rows_;
  std::size_t size_ = 0;
};

/// The sweep of a spec, lazily: the grid's product, the list, or the rows of the CSV/JSONL file (read now,
/// so their errors name FILE:LINE at once).
SweepTuples sweep_tuples(const WorkflowSpec& spec);

}  // namespace sv::spec
