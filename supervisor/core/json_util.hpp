// JSON helpers shared by components: merging parameter objects and reading an objective out of a
// model's result. Parameters travel as one JSON object; a model answers with a JSON object (or a number).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sv::core {

using Json = nlohmann::json;

/// Top-level merge: keys of `over` replace those of `base`. Both must be objects (null counts as {}).
Json merge_params(const Json& base, const Json& over);

/// The objective a result carries: a bare number, or result[metric] when it is a number.
/// Returns nullopt when absent or not a number; NaN/inf are returned as they are (callers decide policy).
std::optional<double> objective_from_result(const Json& result, const std::string& metric);

}  // namespace sv::core
