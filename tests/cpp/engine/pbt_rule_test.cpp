// PBT's exploit/explore rules (engine/pbt_rule.hpp), as Ray Tune's asynchronous PBT states them.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "engine/pbt_rule.hpp"

using namespace sv::engine::pbt;
using sv::core::Json;

namespace {
std::vector<std::optional<double>> scores(std::initializer_list<double> v) {
  std::vector<std::optional<double>> out;
  for (double x : v) out.emplace_back(x);
  return out;
}
sv::spec::ParamSpec float_param(std::string name, double low, double high, bool log = false) {
  sv::spec::ParamSpec p;
  p.name = std::move(name);
  p.type = sv::spec::ParamType::float_;
  p.low = low;
  p.high = high;
  p.log = log;
  return p;
}
}  // namespace

TEST_CASE("a member in the bottom quantile exploits a member of the top quantile") {
  // Losses (minimize): members 0 and 1 are best, 6 and 7 worst; quantile 0.25 of 8 = 2 each side.
  auto latest = scores({0.1, 0.2, 0.5, 0.5, 0.6, 0.7, 0.9, 1.0});
  std::set<int> sources;
  for (int draw = 0; draw < 40; ++draw) {
    Rng rng(static_cast<std::uint64_t>(draw));
    auto source = exploit_source(7, latest, 0.25, /*minimize=*/true, rng);
    REQUIRE(source);
    sources.insert(*source);
  }
  CHECK(sources == std::set<int>{0, 1});
  Rng rng(1);
  CHECK(exploit_source(6, latest, 0.25, true, rng));
}

TEST_CASE("a member outside the bottom quantile continues its own weights") {
  auto latest = scores({0.1, 0.2, 0.5, 0.5, 0.6, 0.7, 0.9, 1.0});
  for (int member = 0; member < 6; ++member) {
    Rng rng(5);
    CHECK_FALSE(exploit_source(member, latest, 0.25, true, rng));
  }
}

TEST_CASE("maximize ranks the largest scores on top") {
  auto latest = scores({0.1, 0.2, 0.9, 1.0});
  Rng rng(2);
  CHECK_FALSE(exploit_source(0, latest, 0.25, /*minimize=*/true, rng));
  auto source = exploit_source(0, latest, 0.25, /*minimize=*/false, rng);
  REQUIRE(source);
  CHECK(*source == 3);  // ceil(4 * 0.25) = 1 on top: the largest
}

TEST_CASE("only members with a finished segment are ranked, and one alone never exploits") {
  std::vector<std::optional<double>> latest = {std::nullopt, 5.0, std::nullopt};
  Rng rng(3);
  CHECK_FALSE(exploit_source(1, latest, 0.5, true, rng));
  latest[0] = 1.0;  // two ranked: the bottom one exploits the top one
  auto source = exploit_source(1, latest, 0.5, true, rng);
  REQUIRE(source);
  CHECK(*source == 0);
  CHECK_FALSE(exploit_source(2, latest, 0.5, true, rng));  // not ranked yet
}

TEST_CASE("a diverged member (NaN) ranks worst and exploits") {
  auto latest = scores({0.3, NAN, 0.2, 0.4});
  Rng rng(4);
  auto source = exploit_source(1, latest, 0.25, true, rng);
  REQUIRE(source);
  CHECK(*source == 2);
}

TEST_CASE("explore multiplies numbers by a factor within bounds and moves ordinals to a neighbour") {
  sv::spec::PbtSpec pbt;
  pbt.factors = {0.5, 2.0};
  pbt.resample_probability = 0;
  sv::spec::ParamSpec n;
  n.name = "units";
  n.type = sv::spec::ParamType::int_;
  n.low = 1;
  n.high = 100;
  sv::spec::ParamSpec o;
  o.name = "batch";
  o.type = sv::spec::ParamType::ordinal;
  o.values = {Json(16), Json(32), Json(64)};
  sv::spec::ParamSpec c;
  c.name = "act";
  c.type = sv::spec::ParamType::categorical;
  c.values = {Json("relu"), Json("tanh")};
  std::vector<sv::spec::ParamSpec> space = {float_param("lr", 0.001, 0.3, true), n, o, c};
  Json start = {{"lr", 0.2}, {"units", 10}, {"batch", 32}, {"act", "tanh"}, {"other", "kept"}};
  std::set<double> lrs;
  std::set<long long> units;
  std::set<int> batches;
  for (int draw = 0; draw < 60; ++draw) {
    Rng rng(static_cast<std::uint64_t>(draw));
    Json p = explore(start, space, pbt, rng);
    lrs.insert(p["lr"].get<double>());
    units.insert(p["units"].get<long long>());
    batches.insert(p["batch"].get<int>());
    CHECK(p["act"] == "tanh");
    CHECK(p["other"] == "kept");
  }
  CHECK(lrs == std::set<double>{0.1, 0.3});  // 0.2 * 2 clipped to the upper bound
  CHECK(units == std::set<long long>{5, 20});
  CHECK(batches == std::set<int>{16, 64});
}

TEST_CASE("explore with resample_probability 1 draws every value afresh from the space") {
  sv::spec::PbtSpec pbt;
  pbt.resample_probability = 1;
  std::vector<sv::spec::ParamSpec> space = {float_param("x", 10, 20)};
  for (int draw = 0; draw < 20; ++draw) {
    Rng rng(static_cast<std::uint64_t>(draw));
    double x = explore(Json{{"x", 11.0}}, space, pbt, rng)["x"].get<double>();
    CHECK(x >= 10);
    CHECK(x <= 20);
    CHECK(x != 11.0 * 0.8);
    CHECK(x != 11.0 * 1.2);
  }
}

TEST_CASE("a segment's draws depend on seed, member and segment only") {
  std::vector<sv::spec::ParamSpec> space = {float_param("lr", 1e-4, 1, true)};
  Rng a = segment_rng(7, 2, 3), b = segment_rng(7, 2, 3), c = segment_rng(7, 2, 4);
  double x = sample_params(space, a)["lr"].get<double>();
  CHECK(x == sample_params(space, b)["lr"].get<double>());
  CHECK(x != sample_params(space, c)["lr"].get<double>());
  CHECK(x >= 1e-4);
  CHECK(x <= 1);
}
