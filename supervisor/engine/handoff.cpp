#include "engine/handoff.hpp"

namespace sv::engine {

std::string weights_path_of(const Node& node) {
  const core::Json& result = node.result_json();
  if (!result.is_object()) return "";
  auto artifacts = result.find("artifacts");
  if (artifacts == result.end() || !artifacts->is_object()) return "";
  auto weights = artifacts->find("weights");
  return weights != artifacts->end() && weights->is_string() ? weights->get<std::string>() : "";
}

void inherit_weights(core::Json& params, const Node& parent) {
  params["_parent"] = parent.def.id;
  std::string path = weights_path_of(parent);
  if (!path.empty()) params["_initial_weights"] = path;
}

}  // namespace sv::engine
