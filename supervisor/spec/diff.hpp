// Which top-level sections of two workflow texts differ: what a resume with a changed file reports.
#pragma once
#include <string>
#include <vector>

namespace sv::spec {

/// Top-level keys whose values differ (added, removed or changed), in the order of `after` then the
/// removed ones. A text that is not valid YAML (or not UTF-8, or whose aliases pass the bounds of
/// yaml_guard.hpp) is reported as "(the whole file)".
std::vector<std::string> changed_sections(const std::string& before, const std::string& after);

}  // namespace sv::spec
