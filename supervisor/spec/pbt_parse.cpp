#include "spec/pbt_parse.hpp"

#include <array>

namespace sv::spec {

namespace {
constexpr std::array<std::string_view, 6> kPbtKeys = {"population", "interval_epochs", "quantile",
                                                      "perturb",    "segments",        "max_epochs"};
}  // namespace

bool is_pbt_key(std::string_view key) {
  for (auto k : kPbtKeys)
    if (k == key) return true;
  return false;
}

PbtSpec parse_pbt(const YamlReader& r, const Mapping& m) {
  PbtSpec p;
  // PBT's budget is its population's epochs, its decisions its own: these common keys would be ignored.
  for (const char* k : {"max_evals", "batch", "pruner", "language", "module", "path", "settings", "target"})
    if (const Field* f = m.find(k))
      r.fail(*f, "not used by pbt (its budget is population x segments; remove it)");
  const Field* segments = m.find("segments");
  const Field* max_epochs = m.find("max_epochs");
  if (segments && max_epochs) r.fail(*max_epochs, "give either segments or max_epochs, not both");
  for (const Field& f : m.fields) {
    if (f.key == "population") {
      p.population = r.integer(f, 2, "members trained side by side (at least 2, so one can exploit another)");
    } else if (f.key == "interval_epochs") {
      p.interval_epochs = r.integer(f, 1, "epochs each segment trains before the next decision");
    } else if (f.key == "quantile") {
      p.quantile = r.number(f, 0, "the bottom fraction that exploits, in (0, 0.5]");
      if (p.quantile <= 0 || p.quantile > 0.5)
        r.fail(f, "expected a fraction in (0, 0.5], got " + YamlReader::describe(f.node) +
                      " (the bottom and top quantiles must not overlap)");
    } else if (f.key == "segments") {
      p.segments = r.integer(f, 1, "segments each member trains");
    } else if (f.key == "perturb") {
      Mapping pm = r.mapping(f, {"factors", "resample_probability"});
      for (const Field& k : pm.fields) {
        if (k.key == "factors") {
          p.factors.clear();
          for (const Field& item : r.items(k)) {
            double v = r.number(item, 0, "a positive factor a numeric hyperparameter is multiplied by");
            if (v <= 0) r.fail(item, "expected a positive factor, got " + YamlReader::describe(item.node));
            p.factors.push_back(v);
          }
          if (p.factors.empty()) r.fail(k, "expected at least one factor (e.g. [0.8, 1.2])");
        } else if (k.key == "resample_probability") {
          p.resample_probability = r.number(k, 0, "a probability in [0, 1]");
          if (p.resample_probability > 1)
            r.fail(k, "expected a probability in [0, 1], got " + YamlReader::describe(k.node));
        }
      }
    }
  }
  if (max_epochs) {
    // Read last: it depends on interval_epochs, wherever that stands in the mapping.
    int epochs = r.integer(*max_epochs, 1, "epochs each member trains in all");
    if (epochs % p.interval_epochs != 0)
      r.fail(*max_epochs, "max_epochs (" + std::to_string(epochs) + ") must be a multiple of interval_epochs (" +
                              std::to_string(p.interval_epochs) + ")");
    p.segments = epochs / p.interval_epochs;
  }
  return p;
}

}  // namespace sv::spec
