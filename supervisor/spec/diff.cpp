#include "spec/diff.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "core/errors.hpp"
#include "spec/yaml_guard.hpp"

namespace sv::spec {

namespace {
// A canonical text of a node: flow-style emission ignores comments, indentation and quoting choices.
std::string canonical(const YAML::Node& n) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << n;
  return out.c_str();
}
}  // namespace

std::vector<std::string> changed_sections(const std::string& before, const std::string& after) {
  YAML::Node a, b;
  try {
    // Emitting expands aliases: a file that became an alias bomb must not hang the comparison.
    YamlReader guard("", "");
    check_yaml_text(guard, before);
    check_yaml_text(guard, after);
  } catch (const core::ConfigError&) {
    return {"(the whole file)"};
  }
  try {
    a = YAML::Load(before);
    b = YAML::Load(after);
  } catch (const YAML::Exception&) {
    return {"(the whole file)"};
  }
  if (!a.IsMap() || !b.IsMap()) return canonical(a) == canonical(b) ? std::vector<std::string>{}
                                                                   : std::vector<std::string>{"(the whole file)"};
  std::vector<std::string> changed;
  std::set<std::string> seen;
  for (const auto& kv : b) {
    std::string key = kv.first.Scalar();
    seen.insert(key);
    YAML::Node old = a[key];
    if (!old || canonical(old) != canonical(kv.second)) changed.push_back(key);
  }
  for (const auto& kv : a) {
    std::string key = kv.first.Scalar();
    if (!seen.count(key)) changed.push_back(key + " (removed)");
  }
  return changed;
}

}  // namespace sv::spec
