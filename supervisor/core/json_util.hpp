// JSON helpers shared by components: merging parameter objects and reading an objective out of a
// model's result. Parameters travel as one JSON object; a model answers with a JSON object (or a number).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sv::core {

using Json = nlohmann::json;
/// JSON whose objects keep their keys in the order written (a model's result as the model wrote it).
using OrderedJson = nlohmann::ordered_json;

/// Top-level merge: keys of `over` replace those of `base`. Both must be objects (null counts as {}).
Json merge_params(const Json& base, const Json& over);

/// Parses JSON text as Python's json.dumps writes it: bare NaN, Infinity and -Infinity (outside strings) are
/// read as those numbers, so a model's NaN objective is seen as NaN, not as unreadable text. A text that
/// does not parse is returned as a discarded value (Json::is_discarded), as Json::parse(.., false) does.
Json parse_result_json(const std::string& text);
/// The same, keeping object keys in the order the text has them.
OrderedJson parse_result_json_ordered(const std::string& text);

/// Which value of a per-epoch series is the objective (`objective.mode`).
enum class ObjectiveMode { last, min, max };

/// The objective picked from a result, or why there is none.
struct PickedObjective {
  std::optional<double> value;  // finite whenever set
  std::string error;            // set exactly when value is not: "objective 'val_loss' is NaN", ...
};

/// The objective of a model's result, by the one rule every model kind follows (README "Objectives"). This
/// is its only implementation: R and app shells call it, and the Python runner calls it through the C
/// library core/objective_abi.h (model_runner/objective_rule.py); tests/data/objective_cases.json holds
/// the cases every path is tested on:
/// - a bare number is the objective;
/// - with mode last, result[metric] first (the last element when it is a list), then the last epoch of
///   result.history[metric]; with min / max the best finite epoch of the history (or of a list
///   result[metric]) first, then result[metric];
/// - result.objective is the last resort;
/// - a NaN, infinite, null, non-number or missing objective is no objective: the task fails with `error`.
PickedObjective pick_objective(const Json& result, const std::string& metric, ObjectiveMode mode);
/// The same rule; a missing objective's message lists the result's keys in the order the model wrote them.
PickedObjective pick_objective(const OrderedJson& result, const std::string& metric, ObjectiveMode mode);

}  // namespace sv::core
