// The PBT keys of `optimizer:` (spec/pbt_spec.hpp), read beside the common optimizer keys.
#pragma once
#include <string_view>

#include "spec/pbt_spec.hpp"
#include "spec/yaml_reader.hpp"

namespace sv::spec {

/// The optimizer keys only PBT reads (population, interval_epochs, ...).
bool is_pbt_key(std::string_view key);
/// Reads them from `optimizer` (whose name is pbt); rejects common keys PBT has no use for.
PbtSpec parse_pbt(const YamlReader& r, const Mapping& optimizer);

}  // namespace sv::spec
