#include "core/json_util.hpp"

#include <cmath>
#include <cstring>

namespace sv::core {

Json merge_params(const Json& base, const Json& over) {
  Json out = base.is_object() ? base : Json::object();
  if (over.is_object()) {
    for (auto it = over.begin(); it != over.end(); ++it) out[it.key()] = it.value();
  }
  return out;
}

namespace {

// Marks a non-finite number in the rewritten text: a string no JSON a model writes holds (it starts with NUL).
const std::string kNanMark = std::string(1, '\0') + "sv-nan";
const std::string kInfMark = std::string(1, '\0') + "sv-inf";
const std::string kNegInfMark = std::string(1, '\0') + "sv-neg-inf";

template <class J>
void restore_non_finite(J& j) {
  if (j.is_string()) {
    const auto& s = j.template get_ref<const std::string&>();
    if (s == kNanMark) j = std::nan("");
    else if (s == kInfMark) j = HUGE_VAL;
    else if (s == kNegInfMark) j = -HUGE_VAL;
  } else if (j.is_structured()) {
    for (auto& v : j) restore_non_finite(v);
  }
}

template <class J>
J parse_as(const std::string& text) {
  J j = J::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded() || text.find_first_of("NI") == std::string::npos) return j;
  // Rewrite the bare words outside strings into marked strings, parse, then put the numbers back.
  std::string out;
  out.reserve(text.size() + 32);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    auto word = [&](const char* w) { return text.compare(i, std::strlen(w), w) == 0; };
    if (c == '"') {
      in_string = true;
      out += c;
    } else if (word("NaN")) {
      out += J(kNanMark).dump();
      i += 2;
    } else if (word("-Infinity")) {
      out += J(kNegInfMark).dump();
      i += 8;
    } else if (word("Infinity")) {
      out += J(kInfMark).dump();
      i += 7;
    } else {
      out += c;
    }
  }
  j = J::parse(out, nullptr, false);
  if (!j.is_discarded()) restore_non_finite(j);
  return j;
}

PickedObjective failed(std::string why) { return {std::nullopt, std::move(why)}; }

// One value as the objective: a finite number, or the reason it is not one.
template <class J>
PickedObjective finite(const J& v, const std::string& name) {
  if (v.is_null()) return failed("objective '" + name + "' is null");
  if (!v.is_number() || v.is_boolean()) {
    // A string as Python shows one ('low'), so the message reads the same whatever language the model is in.
    std::string text = v.is_string() ? "'" + v.template get_ref<const std::string&>() + "'" : v.dump();
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return failed("objective '" + name + "' is not a number: " + text);
  }
  double x = v.template get<double>();
  if (std::isnan(x)) return failed("objective '" + name + "' is NaN");
  if (std::isinf(x)) return failed("objective '" + name + "' is " + (x > 0 ? "inf" : "-inf"));
  return {x, ""};
}

// The objective of a per-epoch series under `mode`; a null epoch (a metric missing that epoch) is skipped
// by min / max, and is the answer's reason for `last`.
template <class J>
PickedObjective from_series(const J& values, const std::string& name, ObjectiveMode mode) {
  const J* last_present = nullptr;
  for (const auto& v : values)
    if (!v.is_null()) last_present = &v;
  if (!last_present) return failed("objective '" + name + "' missing from the result (its history is empty)");
  if (mode == ObjectiveMode::last) return finite(values.back(), name);
  std::optional<double> best;
  for (const auto& v : values) {
    PickedObjective p = finite(v, name);
    if (!p.value) continue;
    if (!best || (mode == ObjectiveMode::min ? *p.value < *best : *p.value > *best)) best = p.value;
  }
  if (!best) return finite(*last_present, name);  // the precise reason (NaN, inf, not a number)
  return {best, ""};
}

// The rule, for either JSON type (keys sorted, or in the order the model wrote them).
template <class J>
PickedObjective pick(const J& result, const std::string& metric, ObjectiveMode mode) {
  if (result.is_number() || result.is_null() || !result.is_object()) {
    if (result.is_object()) return failed("objective '" + metric + "' missing from the result");
    return finite(result, metric);
  }
  const J* history = nullptr;
  auto h = result.find("history");
  if (h != result.end() && h->is_object()) {
    auto col = h->find(metric);
    if (col != h->end() && col->is_array()) history = &*col;
  }
  if (mode != ObjectiveMode::last && history) return from_series(*history, metric, mode);
  auto direct = result.find(metric);
  if (direct != result.end()) {
    if (direct->is_array()) return from_series(*direct, metric, mode);
    return finite(*direct, metric);
  }
  if (history) return from_series(*history, metric, mode);
  auto fallback = result.find("objective");
  if (fallback != result.end()) return finite(*fallback, "objective");
  std::string keys;
  for (auto it = result.begin(); it != result.end(); ++it) {
    if (it.key() == "history") continue;
    keys += (keys.empty() ? "" : ", ") + it.key();
  }
  std::string where = "keys: " + (keys.empty() ? std::string("none") : keys);
  if (h != result.end() && h->is_object() && !h->empty()) {
    std::string cols;
    for (auto it = h->begin(); it != h->end(); ++it) cols += (cols.empty() ? "" : ", ") + it.key();
    where += "; history: " + cols;
  }
  return failed("objective '" + metric + "' missing from the result (" + where + ")");
}

}  // namespace

Json parse_result_json(const std::string& text) { return parse_as<Json>(text); }

OrderedJson parse_result_json_ordered(const std::string& text) { return parse_as<OrderedJson>(text); }

PickedObjective pick_objective(const Json& result, const std::string& metric, ObjectiveMode mode) {
  return pick(result, metric, mode);
}

PickedObjective pick_objective(const OrderedJson& result, const std::string& metric, ObjectiveMode mode) {
  return pick(result, metric, mode);
}

}  // namespace sv::core
