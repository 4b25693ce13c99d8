// The objective rule of every model kind (core::pick_objective) against the cases the Python runner is held
// to as well (tests/data/objective_cases.json), plus reading NaN as Python writes it.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/json_util.hpp"

using namespace sv;

namespace {
core::ObjectiveMode mode_of(const std::string& m) {
  return m == "min" ? core::ObjectiveMode::min : m == "max" ? core::ObjectiveMode::max : core::ObjectiveMode::last;
}
}  // namespace

TEST_CASE("every model kind's objective follows the shared cases (mode, NaN, inf, missing)") {
  std::ifstream in(std::string(SV_SOURCE_ROOT) + "/tests/data/objective_cases.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  core::Json cases = core::parse_result_json(text.str());
  REQUIRE(cases.is_object());
  REQUIRE(cases["cases"].size() >= 15);
  for (const auto& c : cases["cases"]) {
    INFO(c["name"].get<std::string>());
    auto picked = core::pick_objective(c["result"], c["metric"], mode_of(c["mode"]));
    if (c.contains("objective")) {
      REQUIRE(picked.value);
      CHECK(*picked.value == c["objective"].get<double>());
      CHECK(picked.error.empty());
    } else {
      CHECK_FALSE(picked.value);
      CHECK(picked.error == c["error"].get<std::string>());
    }
  }
}

TEST_CASE("a result written by Python's json.dumps with NaN and Infinity is read, strings untouched") {
  core::Json j = core::parse_result_json(R"({"val_loss": NaN, "a": [Infinity, -Infinity], "s": "NaN Infinity"})");
  REQUIRE(j.is_object());
  CHECK(std::isnan(j["val_loss"].get<double>()));
  CHECK(j["a"][0].get<double>() == HUGE_VAL);
  CHECK(j["a"][1].get<double>() == -HUGE_VAL);
  CHECK(j["s"] == "NaN Infinity");
  CHECK(core::parse_result_json("not json").is_discarded());
}
