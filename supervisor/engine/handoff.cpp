#include "engine/handoff.hpp"

namespace sv::engine {

std::string weights_path_in(const core::Json& result) {
  if (!result.is_object()) return "";
  auto artifacts = result.find("artifacts");
  if (artifacts == result.end() || !artifacts->is_object()) return "";
  auto weights = artifacts->find("weights");
  return weights != artifacts->end() && weights->is_string() ? weights->get<std::string>() : "";
}

std::string weights_path_of(const Node& node) { return weights_path_in(node.result_json()); }

void inherit_weights(core::Json& params, const std::string& parent_id, const core::Json& parent_result) {
  params["_parent"] = parent_id;
  std::string path = weights_path_in(parent_result);
  if (!path.empty()) params["_initial_weights"] = path;
}

void inherit_weights(core::Json& params, const Node& parent) {
  inherit_weights(params, parent.def.id, parent.result_json());
}

}  // namespace sv::engine
