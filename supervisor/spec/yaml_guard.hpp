// Checks on a YAML text before it is loaded, so every later step meets only bounded, valid input.
// *Values* are the nodes of a document as a reader walking it sees them: each scalar, list and mapping
// counts once, and an *alias* (`*a`) counts as every value of the node it names, since everything that
// reads the document (typing, JSON conversion, the task parameters) expands it. yaml-cpp itself shares an
// aliased node, so a few lines of nested aliases (an *alias bomb*) load fast and then expand to billions.
#pragma once
#include <cstdint>
#include <string>

#include "spec/yaml_reader.hpp"

namespace sv::spec {

/// Values that aliases may add to one file, and the depth of nesting a document may reach once its
/// aliases are expanded. Shared defaults a few hundred values large are far below; a bomb is far above.
inline constexpr std::uint64_t kMaxAliasValues = 100000;
inline constexpr int kMaxYamlDepth = 100;

/// Throws `ORIGIN:LINE: PATH: ...` (core::ConfigError through `r`) when a scalar or key is not valid
/// UTF-8, when aliases expand past kMaxAliasValues or kMaxYamlDepth or refer to the node they are in,
/// or when any byte of the text (a comment, say) is not UTF-8. Syntax errors are left to the loader,
/// which reports them with their line. Linear in the text.
void check_yaml_text(const YamlReader& r, const std::string& text);

}  // namespace sv::spec
