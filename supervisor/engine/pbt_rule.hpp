// PBT's decisions, as plain functions over scores and a space (the workflow is engine/pbt.hpp). Terms: a
// member's *latest score* is the objective of its newest finished segment; *exploit* = take a top member's
// weights and hyperparameters; *explore* = perturb those hyperparameters. The rule is Ray Tune's
// asynchronous one: a member that finished a segment is ranked at once against the others' latest scores.
#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "core/json_util.hpp"
#include "spec/pbt_spec.hpp"
#include "spec/search_spec.hpp"

namespace sv::engine::pbt {

/// The draws of one decision. std::mt19937_64's sequence is fixed by the standard (the std distributions
/// are not), so the same seed decides the same on every compiler; draws are made from its raw output.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  double uniform();                    // [0, 1)
  std::size_t below(std::size_t n);    // 0 .. n-1 (n > 0)

 private:
  std::mt19937_64 gen_;
};

/// The draws for member `member`'s segment `segment` of a search seeded `seed`: a function of the three
/// alone, so a resumed run decides a segment the way the killed one would have.
Rng segment_rng(long seed, int member, int segment);

/// The member whose weights `member` takes, or none when it continues its own. Members without a
/// finished segment (nullopt) are not ranked; a NaN score ranks worst. With n ranked members the bottom
/// and top quantiles hold ceil(n * quantile) each (at most n / 2); a member in the bottom one exploits a
/// member of the top one drawn uniformly. Ties rank by member number.
std::optional<int> exploit_source(int member, const std::vector<std::optional<double>>& latest, double quantile,
                                  bool minimize, Rng& rng);

/// A point drawn uniformly from the space (log-uniform where `log`), as a JSON object by name.
core::Json sample_params(const std::vector<spec::ParamSpec>& space, Rng& rng);

/// `params` perturbed: each value is, with resample_probability, drawn afresh from the space; else a float
/// or int is multiplied by one of the factors (drawn uniformly; an int rounded) and clipped to its bounds,
/// an ordinal moves to a neighbouring value (lower for a factor below 1, higher above), and a categorical
/// keeps its value (it changes only by resampling). Keys outside the space are kept as they are.
core::Json explore(const core::Json& params, const std::vector<spec::ParamSpec>& space, const spec::PbtSpec& pbt,
                   Rng& rng);

}  // namespace sv::engine::pbt
