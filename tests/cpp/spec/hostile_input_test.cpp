// Input meant to hurt: alias bombs and loops, bytes that are not UTF-8, keys holding newlines or NUL,
// numbers where bounds are missing. Each is one ConfigError line naming file, line and key.
#include <catch2/catch.hpp>

#include <string>

#include "spec/diff.hpp"
#include "spec/parse.hpp"
#include "spec_test_util.hpp"

using namespace sv::spec;
using sv::spec::test::config_error;
using Catch::Contains;
using Catch::StartsWith;

namespace {

std::string error_of(const std::string& yaml) {
  return config_error([&] { parse_workflow(yaml, "wf.yaml", ""); });
}

const std::string kHead = "workflow: sweep\nmodel:\n  kind: noop\n  defaults:\n";
const std::string kTail = "sweep: {grid: {x: [1]}}\n";

// `levels` lists, each holding `width` aliases of the one before: width^levels values once expanded.
std::string alias_bomb(int levels, int width) {
  std::string yaml = kHead + "    a0: &a0 [lol, lol, lol, lol, lol]\n";
  for (int k = 1; k <= levels; ++k) {
    yaml += "    a" + std::to_string(k) + ": &a" + std::to_string(k) + " [";
    for (int i = 0; i < width; ++i) yaml += (i ? ", *a" : "*a") + std::to_string(k - 1);
    yaml += "]\n";
  }
  return yaml + kTail;
}

}  // namespace

TEST_CASE("an alias bomb is refused at the alias that crosses the bound, with its line and key", "[spec][hostile]") {
  // 9 wide: level 4 expands to 6 * 9^4 ≈ 39,000 values (allowed), level 5 to 354,000 (not).
  std::string e = error_of(alias_bomb(10, 9));
  CHECK_THAT(e, StartsWith("wf.yaml:10: model.defaults.a5[") &&
                    Contains("aliases expand to more than 100000 values in this file (an alias bomb?"));
  CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("shared defaults through a few aliases still load, expanded", "[spec][hostile]") {
  WorkflowSpec spec = parse_workflow(
      "workflow: sweep\nmodel:\n  kind: noop\n  defaults:\n    base: &b {lr: 0.1, layers: [64, 64]}\n"
      "    again: *b\n    list: [*b, *b]\n" + kTail, "wf.yaml", "");
  CHECK(spec.model.defaults["again"]["layers"][1] == 64);
  CHECK(spec.model.defaults["list"][1]["lr"] == 0.1);
}

TEST_CASE("an alias inside the node it names is a loop, refused", "[spec][hostile]") {
  CHECK_THAT(error_of(kHead + "    a: &a [1, *a]\n" + kTail),
             StartsWith("wf.yaml:5: model.defaults.a[1]: an alias refers to the list or mapping it is inside"));
}

TEST_CASE("aliases that nest past the depth bound are refused", "[spec][hostile]") {
  std::string yaml = kHead + "    d0: &d0 [x]\n";
  for (int k = 1; k <= 120; ++k)
    yaml += "    d" + std::to_string(k) + ": &d" + std::to_string(k) + " [*d" + std::to_string(k - 1) + "]\n";
  CHECK_THAT(error_of(yaml + kTail), Contains("aliases nest deeper than 100 levels"));
}

TEST_CASE("a value or key that is not UTF-8 is refused with its line and key", "[spec][hostile]") {
  CHECK(error_of(kHead + "    x: \"caf\xE9\"\n" + kTail) ==
        "wf.yaml:5: model.defaults.x: the value \"caf\\xE9\" is not UTF-8 text (byte 0xE9 is not UTF-8; save the "
        "file as UTF-8)");
  CHECK_THAT(error_of(kHead + "    caf\xE9: 1\n" + kTail),
             StartsWith("wf.yaml:5: model.defaults: a key \"caf\\xE9\" is not UTF-8 text"));
  // Overlong and surrogate forms are not UTF-8 either; real accents are.
  CHECK_THAT(error_of(kHead + "    x: \"\xC0\xAF\"\n" + kTail), Contains("byte 0xC0 is not UTF-8"));
  CHECK_THAT(error_of(kHead + "    x: \"\xED\xA0\x80\"\n" + kTail), Contains("byte 0xED is not UTF-8"));
  CHECK(parse_workflow(kHead + "    x: \"café ≥ 日本\"\n" + kTail, "wf.yaml", "").model.defaults["x"] ==
        "café ≥ 日本");
}

TEST_CASE("keys holding a newline or NUL are escaped, so the message stays one whole line", "[spec][hostile]") {
  std::string with_nul = kTail + "\"bad\\0key\": 1\n";
  std::string e = error_of("workflow: sweep\nmodel: {kind: noop}\n" + with_nul);
  CHECK_THAT(e, StartsWith("wf.yaml:4: bad\\0key: unknown key (allowed: name, workflow,"));
  e = error_of("workflow: sweep\nmodel: {kind: noop}\n" + kTail + "\"bad\\nkey\": 1\n");
  CHECK_THAT(e, StartsWith("wf.yaml:4: bad\\nkey: unknown key"));
  CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("a range bound that is not a number says 'a number', not a template hole", "[spec][hostile]") {
  std::string e = error_of(
      "workflow: hpo\nmodel: {kind: noop}\noptimizer: {name: random, max_evals: 3}\n"
      "space: {lr: {type: float, low: [1], high: 1}}\n");
  CHECK(e == "wf.yaml:4: space.lr.low: expected a number, got a list");
}

TEST_CASE("resources.workers is bounded by kMaxWorkers", "[spec][hostile]") {
  CHECK(error_of("workflow: sweep\nmodel: {kind: noop}\n" + kTail + "resources: {workers: 100000}\n") ==
        "wf.yaml:4: resources.workers: expected an integer from 1 to 65536, got 100000");
  CHECK(parse_workflow("workflow: sweep\nmodel: {kind: noop}\n" + kTail + "resources: {workers: 65536}\n",
                       "wf.yaml", "")
            .resources.workers == 65536);
}

TEST_CASE("a workflow file that became an alias bomb compares as wholly changed, without expanding it",
          "[spec][hostile]") {
  std::string good = kHead + "    a0: [lol]\n" + kTail;
  CHECK(changed_sections(good, alias_bomb(10, 9)) == std::vector<std::string>{"(the whole file)"});
}
