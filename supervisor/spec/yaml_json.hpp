// YAML → JSON: how a YAML value becomes the JSON that parameters travel as. Plain scalars are typed by the
// YAML 1.2 core schema (so `10` is an integer, `1e-3` a double, `true` a boolean, `~` null); quoted or
// `!!str`-tagged scalars stay strings, so a user can always force a string by quoting it.
#pragma once
#include <string_view>

#include "core/json_util.hpp"

namespace YAML {
class Node;
}

namespace sv::spec {

/// Types the text of one plain (unquoted, untagged) scalar: integer (decimal, 0x hex, 0o octal; a
/// decimal beyond int64 becomes a double), double, boolean (true/True/TRUE, false/False/FALSE), null
/// (null/Null/NULL/~/empty), otherwise the string itself. `.inf` and `.nan` stay strings: JSON cannot hold
/// them, and turning them into null would change a parameter silently.
core::Json plain_scalar_to_json(std::string_view text);

/// Converts a node recursively: mappings → objects (on a repeated key the first wins, as in yaml-cpp
/// lookups; Json objects sort their keys), sequences → arrays, scalars as above. Undefined gives null.
core::Json yaml_to_json(const YAML::Node& node);

}  // namespace sv::spec
