// A sweep's tuples made one at a time: the same tuples, in the same order, as the whole expansion, without
// ever holding the product.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "spec/parse.hpp"
#include "spec/sweep_tuples.hpp"

using sv::core::Json;
using namespace sv::spec;

namespace {
WorkflowSpec grid_spec(const std::string& grid) {
  return parse_workflow("workflow: sweep\nmodel: {entry: m.n:f}\nsweep:\n  grid:\n" + grid, "s.yaml", "/tmp");
}

// `keys` grid keys p0, p1, ... of 1,000 values each.
std::string thousands(int keys) {
  std::string lists;
  for (int k = 0; k < keys; ++k) {
    lists += "    p" + std::to_string(k) + ": [";
    for (int v = 0; v < 1000; ++v) lists += (v ? ", " : "") + std::to_string(v);
    lists += "]\n";
  }
  return lists;
}
}  // namespace

TEST_CASE("a grid's tuple i is read off i, last key fastest, in the order of the whole expansion") {
  auto spec = grid_spec("    lr: [0.1, 0.01]\n    batch: [32, 64, 128]\n    opt: [adam, sgd]\n");
  SweepTuples lazy = sweep_tuples(spec);
  auto all = expand_sweep(spec);
  REQUIRE(lazy.size() == 12);
  REQUIRE(all.size() == 12);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(lazy.take(i) == all[i]);
  CHECK(lazy.take(3) == Json::parse(R"({"lr": 0.1, "batch": 64, "opt": "sgd"})"));
}

TEST_CASE("a grid of a trillion points is counted, not made, and any of its tuples comes at once") {
  SweepTuples lazy = sweep_tuples(grid_spec(thousands(4)));
  CHECK(lazy.size() == 1000000000000ull);
  CHECK(lazy.take(lazy.size() - 1) == Json::parse(R"({"p0": 999, "p1": 999, "p2": 999, "p3": 999})"));
  CHECK(lazy.take(1001) == Json::parse(R"({"p0": 0, "p1": 0, "p2": 1, "p3": 1})"));
}

TEST_CASE("a grid whose product does not fit in 64 bits is refused, naming the workflow") {
  auto spec = grid_spec(thousands(7));
  CHECK_THROWS_WITH(sweep_tuples(spec), Catch::StartsWith("s: sweep.grid: the product of the value lists is too large"));
}

TEST_CASE("a list's tuples are handed over in order") {
  SweepTuples lazy(std::vector<Json>{Json{{"x", 1}}, Json{{"x", 2}}});
  REQUIRE(lazy.size() == 2);
  CHECK(lazy.take(0)["x"] == 1);
  CHECK(lazy.take(1)["x"] == 2);
}
