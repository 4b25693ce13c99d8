// The workflow text a run recorded (runs.spec_text), as the commands that read a finished or running run
// (`status`, `report`) use it. Terms: a *large* text is one over kLargeWorkflowText bytes, almost always a
// sweep of many literal tuples; its *head* is the text without its top-level `sweep:` block, which keeps
// what a reader needs (objective, space, optimizer) at a fraction of the parse time.
#pragma once
#include <cstddef>
#include <string>

namespace sv::cli {

/// Above this size a reader parses the head, not the whole text (`status` must answer within a second).
inline constexpr std::size_t kLargeWorkflowText = 256 * 1024;

/// `text` without its top-level `sweep:` block (block-style YAML: the block ends at the next line that
/// starts in column 0), replaced by the smallest sweep that still validates, `sweep: {list: [{}]}`.
/// The one rule for this: `supervisor report` hands the head to the Python report (sv_runstore).
std::string without_sweep_block(const std::string& text);

}  // namespace sv::cli
