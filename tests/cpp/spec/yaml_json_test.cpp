#include "spec/yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

using sv::core::Json;
using sv::spec::plain_scalar_to_json;
using sv::spec::yaml_to_json;

TEST_CASE("plain scalars become integers, doubles, booleans and null by the YAML core schema") {
  CHECK(plain_scalar_to_json("10") == Json(10));
  CHECK(plain_scalar_to_json("10").is_number_integer());
  CHECK(plain_scalar_to_json("-3").get<int>() == -3);
  CHECK(plain_scalar_to_json("+7").get<int>() == 7);
  CHECK(plain_scalar_to_json("0x1F").get<int>() == 31);
  CHECK(plain_scalar_to_json("0o17").get<int>() == 15);
  CHECK(plain_scalar_to_json("0.1").is_number_float());
  CHECK(plain_scalar_to_json("0.1").get<double>() == Approx(0.1));
  CHECK(plain_scalar_to_json("1e-3").get<double>() == Approx(0.001));
  CHECK(plain_scalar_to_json(".5").get<double>() == Approx(0.5));
  CHECK(plain_scalar_to_json("-2.5E+2").get<double>() == Approx(-250));
  CHECK(plain_scalar_to_json("3.").is_number_float());
  CHECK(plain_scalar_to_json("true") == Json(true));
  CHECK(plain_scalar_to_json("False") == Json(false));
  CHECK(plain_scalar_to_json("~").is_null());
  CHECK(plain_scalar_to_json("null").is_null());
}

TEST_CASE("plain scalars that are not numbers, booleans or null stay strings") {
  CHECK(plain_scalar_to_json("abc") == Json("abc"));
  CHECK(plain_scalar_to_json("yes") == Json("yes"));  // YAML 1.1 booleans are not booleans here
  CHECK(plain_scalar_to_json("1.2.3") == Json("1.2.3"));
  CHECK(plain_scalar_to_json("1e") == Json("1e"));
  CHECK(plain_scalar_to_json("-") == Json("-"));
  CHECK(plain_scalar_to_json(".inf") == Json(".inf"));  // JSON has no infinity
  CHECK(plain_scalar_to_json(".nan") == Json(".nan"));
}

TEST_CASE("integers beyond int64 keep their magnitude as doubles") {
  Json big = plain_scalar_to_json("123456789012345678901234");
  CHECK(big.is_number_float());
  CHECK(big.get<double>() == Approx(1.2345678901234568e23));
}

TEST_CASE("quoted and !!str scalars stay strings") {
  YAML::Node n = YAML::Load("a: '10'\nb: \"true\"\nc: !!str 0.5\nd: 'null'\n");
  CHECK(yaml_to_json(n["a"]) == Json("10"));
  CHECK(yaml_to_json(n["b"]) == Json("true"));
  CHECK(yaml_to_json(n["c"]) == Json("0.5"));
  CHECK(yaml_to_json(n["d"]) == Json("null"));
}

TEST_CASE("nested mappings and lists convert recursively with their types") {
  YAML::Node n = YAML::Load("layers: [64, 32]\nopt: {name: adam, lr: 1e-3, nesterov: false, clip: ~}\n");
  Json j = yaml_to_json(n);
  CHECK(j == Json::parse(R"({"layers": [64, 32], "opt": {"name": "adam", "lr": 0.001,
                                 "nesterov": false, "clip": null}})"));
  CHECK(j["layers"][0].is_number_integer());
}
