// Parsing a workflow YAML into a WorkflowSpec. Unknown keys, wrong types and impossible values throw
// core::ConfigError with one line: `FILE:LINE: KEY: what is wrong (what to do)`.
#pragma once
#include <string>
#include <vector>

#include "spec/workflow_spec.hpp"

namespace sv::spec {

/// Reads and parses a workflow file. Relative paths in it resolve against its folder.
WorkflowSpec load_workflow(const std::string& path);

/// Parses YAML text; `origin` names it in errors, `base_dir` resolves relative paths.
WorkflowSpec parse_workflow(const std::string& text, const std::string& origin, const std::string& base_dir);

/// The sweep's tuples in order: the grid's product, the list, or the rows of the CSV/JSONL file
/// (CSV cells that parse as JSON numbers/booleans become those, the rest stay strings). All at once:
/// a run takes them one at a time through spec::sweep_tuples (sweep_tuples.hpp).
std::vector<Json> expand_sweep(const WorkflowSpec& spec);

}  // namespace sv::spec
