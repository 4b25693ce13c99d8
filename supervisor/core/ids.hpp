// Ids: node ids read as paths (`1.2.3` is child 3 of `1.2`) and become directory names under
// runs/<run>/tasks/, so only a safe alphabet is allowed and nothing can climb out of the run directory.
#pragma once
#include <string>
#include <string_view>

namespace sv::core {

/// True for 1..128 characters of [A-Za-z0-9._-], not starting with '.' or '-'.
bool is_valid_node_id(std::string_view id);

/// Turns any user-given name (a workflow name, say) into a safe path component: characters outside
/// [A-Za-z0-9._-] become '_', a leading '.' or '-' becomes '_', empty becomes "run".
std::string sanitize_name(std::string_view name);

/// The parent of a path id (`1.2.3` -> `1.2`), or "" for a top-level id.
std::string parent_id(std::string_view id);

}  // namespace sv::core
