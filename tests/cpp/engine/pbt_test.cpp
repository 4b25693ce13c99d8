// PbtWorkflow driven on a Graph without a server: segments, lineage rows, hand-off params, resume.
#include <catch2/catch.hpp>

#include "engine/pbt.hpp"
#include "spec/parse.hpp"
#include "store/store.hpp"
#include "../support/temp_store.hpp"

using namespace sv;
using namespace sv::engine;

namespace {
std::unique_ptr<store::Store> temp_store() { return test::temp_store("sv-pbt-test"); }

spec::WorkflowSpec pbt_spec(int population, int segments) {
  return spec::parse_workflow("workflow: hpo\nmodel: {kind: noop}\nspace: {x: {type: float, low: 0, high: 1}}\n"
                              "optimizer: {name: pbt, seed: 2, population: " + std::to_string(population) +
                                  ", interval_epochs: 2, segments: " + std::to_string(segments) + ", quantile: 0.5}\n",
                              "pbt.yaml", "/tmp");
}

// Runs every ready node to the end, member m's score being m (minimize: member 0 is best), until none is left.
void run_all(PbtWorkflow& wf, Graph& g) {
  while (true) {
    auto ready = g.take_ready();
    if (ready.empty()) return;
    for (auto i : ready) {
      const std::string id = g.node(i).def.id;
      auto params = core::Json::parse(g.node(i).def.params);
      g.mark_running(i);
      wf.on_node_ran(i, 1);
      double score = params["_pbt_member"].get<int>();
      g.mark_done(i, core::Json{{"val_loss", score}, {"artifacts", {{"weights", "/w/" + id + ".json"}}}}.dump(), score);
      wf.on_node_finished(g, i);
    }
  }
}
}  // namespace

TEST_CASE("pbt starts every member at segment 0 and records each segment when it is created") {
  auto store = temp_store();
  PbtWorkflow wf(pbt_spec(4, 3), store.get());
  Graph g;
  wf.start(g);
  auto rows = store->pbt_segments();
  REQUIRE(rows.size() == 4);
  for (int m = 0; m < 4; ++m) {
    CHECK(rows[m].member == m);
    CHECK(rows[m].task_id == m + 1);  // the server's ids of a fresh run: index + 1
    CHECK_FALSE(rows[m].parent_task_id);
    CHECK_FALSE(rows[m].score);
    auto params = core::Json::parse(g.node(static_cast<std::size_t>(m)).def.params);
    CHECK(params["_start_epoch"] == 0);
    CHECK(params["_end_epoch"] == 2);
    CHECK_FALSE(params.contains("_parent"));
    CHECK(params["x"] == core::Json::parse(rows[m].params)["x"]);
  }
  CHECK_FALSE(wf.exhausted());
}

TEST_CASE("pbt runs population x segments segments; the bottom exploits the top, through the hand-off") {
  auto store = temp_store();
  PbtWorkflow wf(pbt_spec(4, 3), store.get());
  Graph g;
  wf.start(g);
  run_all(wf, g);
  CHECK(wf.exhausted());
  auto rows = store->pbt_segments();
  REQUIRE(rows.size() == 12);
  std::map<std::int64_t, store::PbtSegmentRow> by_id;
  for (const auto& r : rows) by_id[r.task_id] = r;
  int exploited = 0;
  for (const auto& r : rows) {
    REQUIRE(r.score);
    CHECK(*r.score == r.member);
    if (r.segment == 0) continue;
    const auto& parent = by_id.at(*r.parent_task_id);
    auto params = core::Json::parse(g.node(*g.find(pbt_node_id(r.member, r.segment))).def.params);
    CHECK(params["_parent"] == pbt_node_id(parent.member, parent.segment));
    CHECK(params["_initial_weights"] == "/w/" + pbt_node_id(parent.member, parent.segment) + ".json");
    CHECK(params["_start_epoch"] == 2 * r.segment);
    if (r.exploited) {
      ++exploited;
      // Ranked against the latest scores finished so far (no barrier): it takes a better member's weights,
      // and the best member never exploits.
      CHECK(parent.member < r.member);
      CHECK(r.member != 0);
    } else {
      CHECK(parent.member == r.member);
      CHECK(parent.segment == r.segment - 1);
      CHECK(parent.params == r.params);
    }
  }
  CHECK(exploited > 0);
}

TEST_CASE("a resumed pbt re-creates every recorded segment and decides only members whose newest one finished") {
  auto store = temp_store();
  {
    PbtWorkflow wf(pbt_spec(3, 3), store.get());
    Graph g;
    wf.start(g);
    // Only member 0's first segment finishes before the "kill".
    auto ready = g.take_ready();
    g.mark_running(ready[0]);
    g.mark_done(ready[0], R"({"val_loss": 0.5})", 0.5);
    wf.on_node_finished(g, ready[0]);
  }
  REQUIRE(store->pbt_segments().size() == 4);  // three segment-0 rows and member 0's segment 1
  PbtWorkflow resumed(pbt_spec(3, 3), store.get());
  Graph g;
  resumed.start(g);
  CHECK(g.size() == 4);
  CHECK(g.find("m0.s1"));
  CHECK(store->pbt_segments().size() == 4);  // nothing recorded twice

  PbtWorkflow smaller(pbt_spec(2, 3), store.get());
  Graph g2;
  smaller.start(g2);
  REQUIRE(smaller.fatal());
  CHECK(smaller.fatal()->find("outside optimizer.population 2") != std::string::npos);
}

TEST_CASE("pbt runs the member furthest behind first: a segment ahead of another member's neither jumps the queue "
          "nor holds a worker") {
  // Without this one member raced through all its segments on the worker that held its weights while the
  // others waited (seen on uno, 2 workers, population 6): an exploit then copied weights trained for many
  // more epochs than the exploiter's own count.
  auto store = temp_store();
  PbtWorkflow wf(pbt_spec(3, 3), store.get());
  Graph g;
  wf.start(g);
  auto finish = [&](const std::string& id, int worker, double score) {
    std::size_t i = *g.find(id);
    g.mark_running(i);
    wf.on_node_ran(i, worker);
    g.mark_done(i, core::Json{{"val_loss", score}, {"artifacts", {{"weights", "/w/" + id + ".json"}}}}.dump(), score);
    wf.on_node_finished(g, i);
  };
  for (std::size_t i = 0; i < 3; ++i) CHECK(g.node(i).def.priority == 0);
  (void)g.take_ready();
  finish("m0.s0", 1, 0.1);  // member 0 is one segment ahead of members 1 and 2, which wait to start
  const auto& ahead = g.node(*g.find("m0.s1")).def;
  CHECK(ahead.priority == -2);
  CHECK(ahead.preferred_worker == -1);
  finish("m1.s0", 2, 0.2);
  finish("m2.s0", 2, 0.3);  // the last to reach epoch 2: behind no one, it keeps the hand-off in memory
  const auto& level = g.node(*g.find("m2.s1")).def;
  CHECK(level.priority == -2);
  CHECK(level.preferred_worker >= 1);
}
