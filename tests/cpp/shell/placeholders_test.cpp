// An app model's argv template: `{name}` placeholders are replaced per argument, never through a shell.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "shell/app_shell.hpp"

using sv::core::Json;
using sv::shell::substitute_placeholders;

TEST_CASE("a placeholder takes a string parameter as it is and any other value as its JSON text") {
  Json v = {{"lr", 0.01}, {"name", "run a"}, {"layers", {64, 32}}, {"flag", true}, {"n", 3}};
  CHECK(substitute_placeholders("--lr={lr}", v) == "--lr=0.01");
  CHECK(substitute_placeholders("{name}", v) == "run a");
  CHECK(substitute_placeholders("{layers}", v) == "[64,32]");
  CHECK(substitute_placeholders("{flag}:{n}", v) == "true:3");
  CHECK(substitute_placeholders("plain", v) == "plain");
}

TEST_CASE("shell metacharacters in a value stay one argument's text") {
  Json v = {{"x", "a; rm -rf / $(id) `id` \"q\" 'q'"}};
  CHECK(substitute_placeholders("--x={x}", v) == "--x=a; rm -rf / $(id) `id` \"q\" 'q'");
}

TEST_CASE("doubled braces are literal braces and are not placeholders") {
  Json v = {{"x", 1}};
  CHECK(substitute_placeholders("{{x}}", v) == "{x}");
  CHECK(substitute_placeholders("{{{x}}}", v) == "{1}");
  CHECK(substitute_placeholders("}}", v) == "}");
}

TEST_CASE("a value is not substituted again: braces inside it stay as they are") {
  Json v = {{"a", "{b}"}, {"b", "no"}};
  CHECK(substitute_placeholders("{a}", v) == "{b}");
}

TEST_CASE("an unknown name or an unclosed brace is a model error naming the argument") {
  Json v = {{"x", 1}};
  CHECK_THROWS_AS(substitute_placeholders("{y}", v), sv::core::ModelError);
  CHECK_THROWS_WITH(substitute_placeholders("--in={missing}", v), Catch::Contains("{missing}"));
  CHECK_THROWS_WITH(substitute_placeholders("--in={x", v), Catch::Contains("unclosed '{'"));
}
