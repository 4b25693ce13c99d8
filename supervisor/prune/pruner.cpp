#include "prune/pruner.hpp"

#include "prune/asha.hpp"
#include "prune/median.hpp"

namespace sv::prune {

std::unique_ptr<Pruner> make_pruner(const PrunerOptions& options) {
  switch (options.kind) {
    case PrunerKind::none: return nullptr;
    case PrunerKind::asha: return std::make_unique<Asha>(options);
    case PrunerKind::hyperband: return std::make_unique<Hyperband>(options);
    case PrunerKind::median: return std::make_unique<Median>(options);
  }
  return nullptr;
}

const char* to_string(PrunerKind kind) {
  switch (kind) {
    case PrunerKind::none: return "none";
    case PrunerKind::asha: return "asha";
    case PrunerKind::hyperband: return "hyperband";
    case PrunerKind::median: return "median";
  }
  return "none";
}

}  // namespace sv::prune
