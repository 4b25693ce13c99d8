#include "core/json_util.hpp"

namespace sv::core {

Json merge_params(const Json& base, const Json& over) {
  Json out = base.is_object() ? base : Json::object();
  if (over.is_object()) {
    for (auto it = over.begin(); it != over.end(); ++it) out[it.key()] = it.value();
  }
  return out;
}

std::optional<double> objective_from_result(const Json& result, const std::string& metric) {
  if (result.is_number()) return result.get<double>();
  if (result.is_object()) {
    auto it = result.find(metric);
    if (it != result.end() && it->is_number()) return it->get<double>();
    it = result.find("objective");
    if (it != result.end() && it->is_number()) return it->get<double>();
  }
  return std::nullopt;
}

}  // namespace sv::core
