// Node ids become directory names under runs/<run>/tasks/: these rules keep every id inside the run.
#include <catch2/catch.hpp>

#include <string>

#include "core/ids.hpp"

using sv::core::is_valid_node_id;
using sv::core::parent_id;
using sv::core::sanitize_name;

TEST_CASE("path ids and plain names of the safe alphabet are valid node ids") {
  CHECK(is_valid_node_id("1"));
  CHECK(is_valid_node_id("1.2.3"));
  CHECK(is_valid_node_id("train_B-2.eval"));
  CHECK(is_valid_node_id("_hidden"));
  CHECK(is_valid_node_id(std::string(128, 'a')));
}

TEST_CASE("an id that could climb out of the run directory or name a hidden file is refused") {
  CHECK_FALSE(is_valid_node_id(".."));
  CHECK_FALSE(is_valid_node_id("1/../../etc"));
  CHECK_FALSE(is_valid_node_id("a..b"));
  CHECK_FALSE(is_valid_node_id(".profile"));
  CHECK_FALSE(is_valid_node_id("-rf"));
  CHECK_FALSE(is_valid_node_id("/abs"));
  CHECK_FALSE(is_valid_node_id("a\\b"));
}

TEST_CASE("empty, overlong and ids outside [A-Za-z0-9._-] are refused") {
  CHECK_FALSE(is_valid_node_id(""));
  CHECK_FALSE(is_valid_node_id(std::string(129, 'a')));
  CHECK_FALSE(is_valid_node_id("a b"));
  CHECK_FALSE(is_valid_node_id("a\nb"));
  CHECK_FALSE(is_valid_node_id(std::string("a\0b", 3)));
  CHECK_FALSE(is_valid_node_id("caf\xc3\xa9"));
  CHECK_FALSE(is_valid_node_id("$(id)"));
  CHECK_FALSE(is_valid_node_id("x;y"));
}

TEST_CASE("sanitize_name maps any name onto a safe path component") {
  CHECK(sanitize_name("uno sweep/v2") == "uno_sweep_v2");
  CHECK(sanitize_name("../up") == "_._up");
  CHECK(sanitize_name("-x") == "_x");
  CHECK(sanitize_name("") == "run");
  CHECK(sanitize_name(std::string(300, 'n')).size() == 100);
}

TEST_CASE("the parent of a path id drops its last component and a top-level id has none") {
  CHECK(parent_id("1.2.3") == "1.2");
  CHECK(parent_id("1.2") == "1");
  CHECK(parent_id("1") == "");
}
