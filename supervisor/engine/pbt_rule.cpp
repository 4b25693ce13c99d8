#include "engine/pbt_rule.hpp"

#include <algorithm>
#include <cmath>

#include "core/hash.hpp"

namespace sv::engine::pbt {

double Rng::uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }

std::size_t Rng::below(std::size_t n) { return static_cast<std::size_t>(uniform() * static_cast<double>(n)) % n; }

Rng segment_rng(long seed, int member, int segment) {
  return Rng(core::fnv1a64("pbt/" + std::to_string(seed) + "/" + std::to_string(member) + "/" +
                           std::to_string(segment)));
}

std::optional<int> exploit_source(int member, const std::vector<std::optional<double>>& latest, double quantile,
                                  bool minimize, Rng& rng) {
  // Ranked best first; a NaN (a diverged training) is worse than any number.
  std::vector<int> ranked;
  for (int m = 0; m < static_cast<int>(latest.size()); ++m)
    if (latest[static_cast<std::size_t>(m)]) ranked.push_back(m);
  auto key = [&](int m) {
    double v = *latest[static_cast<std::size_t>(m)];
    if (std::isnan(v)) return HUGE_VAL;
    return minimize ? v : -v;
  };
  std::stable_sort(ranked.begin(), ranked.end(), [&](int a, int b) { return key(a) < key(b); });
  const std::size_t n = ranked.size();
  if (n < 2) return std::nullopt;
  std::size_t q = static_cast<std::size_t>(std::ceil(static_cast<double>(n) * quantile));
  q = std::min(q, n / 2);
  if (q == 0) return std::nullopt;
  auto at = std::find(ranked.begin(), ranked.end(), member);
  if (at == ranked.end() || static_cast<std::size_t>(at - ranked.begin()) < n - q) return std::nullopt;
  return ranked[rng.below(q)];
}

namespace {
core::Json sample_one(const spec::ParamSpec& p, Rng& rng) {
  const double u = rng.uniform();
  switch (p.type) {
    case spec::ParamType::float_:
      if (p.log) return std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)));
      return p.low + u * (p.high - p.low);
    case spec::ParamType::int_: {
      double v = p.log ? std::exp(std::log(p.low) + u * (std::log(p.high + 1) - std::log(p.low)))
                       : p.low + u * (p.high + 1 - p.low);
      return static_cast<long long>(std::clamp(std::floor(v), p.low, p.high));
    }
    case spec::ParamType::categorical:
    case spec::ParamType::ordinal:
      return p.values[rng.below(p.values.size())];
  }
  return nullptr;
}

core::Json perturb_one(const spec::ParamSpec& p, const core::Json& value, const spec::PbtSpec& pbt, Rng& rng) {
  if (rng.uniform() < pbt.resample_probability) return sample_one(p, rng);
  const double factor = pbt.factors[rng.below(pbt.factors.size())];
  switch (p.type) {
    case spec::ParamType::float_:
      if (!value.is_number()) return sample_one(p, rng);
      return std::clamp(value.get<double>() * factor, p.low, p.high);
    case spec::ParamType::int_:
      if (!value.is_number()) return sample_one(p, rng);
      return static_cast<long long>(std::clamp(std::round(value.get<double>() * factor), p.low, p.high));
    case spec::ParamType::ordinal: {
      auto at = std::find(p.values.begin(), p.values.end(), value);
      if (at == p.values.end()) return sample_one(p, rng);
      auto i = static_cast<std::ptrdiff_t>(at - p.values.begin());
      if (factor < 1) i = std::max<std::ptrdiff_t>(0, i - 1);
      if (factor > 1) i = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(p.values.size()) - 1, i + 1);
      return p.values[static_cast<std::size_t>(i)];
    }
    case spec::ParamType::categorical:
      return value;
  }
  return value;
}
}  // namespace

core::Json sample_params(const std::vector<spec::ParamSpec>& space, Rng& rng) {
  core::Json out = core::Json::object();
  for (const auto& p : space) out[p.name] = sample_one(p, rng);
  return out;
}

core::Json explore(const core::Json& params, const std::vector<spec::ParamSpec>& space, const spec::PbtSpec& pbt,
                   Rng& rng) {
  core::Json out = params;
  for (const auto& p : space) {
    auto it = params.find(p.name);
    out[p.name] = perturb_one(p, it == params.end() ? core::Json() : *it, pbt, rng);
  }
  return out;
}

}  // namespace sv::engine::pbt
