// The head of a recorded workflow text: the one rule by which `status` and `report` leave a huge sweep out.
#include <catch2/catch.hpp>

#include "cli/recorded_workflow.hpp"

using sv::cli::without_sweep_block;

TEST_CASE("the top-level sweep block is replaced by the smallest sweep that validates", "[cli]") {
  const std::string text =
      "name: big\n"
      "workflow: sweep\n"
      "sweep:\n"
      "  list:\n"
      "    - {width: 1}\n"
      "# a comment inside the block\n"
      "\n"
      "    - {width: 2}\n"
      "objective: {metric: cost, goal: maximize}\n";
  CHECK(without_sweep_block(text) ==
        "name: big\n"
        "workflow: sweep\n"
        "sweep: {list: [{}]}\n"
        "objective: {metric: cost, goal: maximize}\n");
}

TEST_CASE("a sweep block at the end, or in flow style on one line, goes too", "[cli]") {
  CHECK(without_sweep_block("objective: {metric: m}\nsweep:\n  grid: {a: [1, 2]}") ==
        "objective: {metric: m}\nsweep: {list: [{}]}\n");
  CHECK(without_sweep_block("sweep: {file: /no/such.csv}\nmodel: {kind: noop}\n") ==
        "sweep: {list: [{}]}\nmodel: {kind: noop}\n");
}

TEST_CASE("a text without a top-level sweep key is left as it is", "[cli]") {
  const std::string text = "workflow: hpo\nspace:\n  sweep: {type: float, low: 0, high: 1}\nsweeping: 1\n";
  CHECK(without_sweep_block(text) == text);
  CHECK(without_sweep_block("") == "");
}
