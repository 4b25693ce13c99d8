// Parsers for the dataflow sections (sublearning, uq, nodes), used by parse.cpp once the model table
// (`model:` plus `models:`) is read, since dag nodes name models and uq adds its aggregation model.
#pragma once
#include "spec/workflow_spec.hpp"
#include "spec/yaml_reader.hpp"

namespace sv::spec {

/// Reads `sublearning:`, `uq:` or `nodes:` as the workflow kind asks, refusing each for other kinds and
/// refusing `models:` outside dag; fills spec.sublearning / spec.uq / spec.dag (uq appends its aggregation
/// model to spec.models).
void parse_dataflow(const YamlReader& r, const Mapping& top, WorkflowSpec& spec);

}  // namespace sv::spec
