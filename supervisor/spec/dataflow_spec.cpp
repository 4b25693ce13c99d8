#include "spec/dataflow_spec.hpp"

#include <algorithm>
#include <cmath>

namespace sv::spec {

namespace {
// Half up, not to even: 2.5 epochs is 3, the same on every machine.
long round_half_up(double x) { return static_cast<long>(std::floor(x + 0.5)); }
}  // namespace

const char* to_string(EpochStrategy s) {
  switch (s) {
    case EpochStrategy::f20: return "F-20";
    case EpochStrategy::f10: return "F-10";
    case EpochStrategy::line: return "LINE";
    case EpochStrategy::sqrt: return "SQRT";
    case EpochStrategy::exp2: return "EXP2";
  }
  return "?";
}

int strategy_epochs(EpochStrategy s, int stage, int stages, int base) {
  double e = base;
  switch (s) {
    case EpochStrategy::f20: break;
    case EpochStrategy::f10: e = base / 2.0; break;
    case EpochStrategy::line: e = base * double(stages - stage + 1) / double(std::max(stages, 1)); break;
    case EpochStrategy::sqrt: e = base / std::sqrt(double(stage)); break;
    case EpochStrategy::exp2: e = base / std::pow(2.0, stage - 1); break;
  }
  return static_cast<int>(std::max(1L, round_half_up(e)));
}

KeyShare sublearning_share(const SublearningSpec& s, int stage, std::size_t held_out) {
  double fraction = stage == 1 ? s.first_fraction : s.add_fraction;
  auto added = static_cast<std::size_t>(std::clamp(round_half_up(fraction * double(held_out)), 0L, long(held_out)));
  if (added < 2) return KeyShare{added, 0};  // too few to train on one and validate on another
  auto val = static_cast<std::size_t>(std::clamp(round_half_up(s.val_fraction * double(added)), 1L, long(added) - 1));
  return KeyShare{added - val, val};
}

}  // namespace sv::spec
