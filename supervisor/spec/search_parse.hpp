// Parsers for the search sections (space, optimizer, multi-objective objective), used by parse.cpp.
#pragma once
#include <vector>

#include "spec/workflow_spec.hpp"
#include "spec/yaml_reader.hpp"

namespace sv::spec {

std::vector<ParamSpec> parse_space(const YamlReader& r, const Field& f);
OptimizerSpec parse_optimizer(const YamlReader& r, const Field& f);
/// `objective:` with one metric, or with `metrics:` (a list) plus `combine` and `alpha`.
void parse_objectives(const YamlReader& r, const Field& f, WorkflowSpec& spec);
/// Cross-section rules of a search (hpo needs space and optimizer, nsga2 needs pareto, ...).
void check_search(const YamlReader& r, const Mapping& top, WorkflowSpec& spec);

}  // namespace sv::spec
