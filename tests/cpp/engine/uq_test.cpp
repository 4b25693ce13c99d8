// The uq builder over a bare Graph: R replicas per perturbation with seeds seed+r, then one aggregation
// node (the aggregation model) once every replica finished, done or failed.
#include <catch2/catch.hpp>

#include "engine/uq.hpp"
#include "spec/parse.hpp"

using namespace sv;
using namespace sv::engine;

namespace {

spec::WorkflowSpec uq_spec() {
  return spec::parse_workflow(R"(workflow: uq
model: {kind: python, entry: m.uno:run}
uq:
  replicas: 3
  seed: 100
  perturbations:
    base: {}
    noise: {label_noise: 0.05}
  percentiles: [10, 90]
)",
                              "uq.yaml", "/tmp");
}

void finish(Graph& g, Workflow& wf, std::size_t i, bool ok) {
  g.mark_running(i);
  if (ok) {
    std::string id = g.node(i).def.id;
    g.mark_done(i, core::Json{{"val_loss", 0.5}, {"predictions", "/p/" + id + ".npz"}, {"history", {{"loss", {1, 2}}}}}.dump(),
                0.5);
  } else {
    g.mark_failed(i, "boom\n\ntraceback");
  }
  wf.on_node_finished(g, i);
}

}  // namespace

TEST_CASE("uq adds R replicas of every perturbation, each with seed + r and the perturbation's overrides") {
  auto spec = uq_spec();
  REQUIRE(spec.models.size() == 2);
  CHECK(spec.models[1].entry == "model_runner.aggregate:uq");
  UqWorkflow wf(spec);
  CHECK(wf.expected_total() == 7);
  Graph g;
  wf.start(g);
  REQUIRE(g.size() == 6);
  CHECK(g.node(0).def.id == "base.1");
  CHECK(g.node(5).def.id == "noise.3");
  auto p = core::Json::parse(g.node(4).def.params);
  CHECK(p == core::Json{{"label_noise", 0.05}, {"seed", 102}, {"_perturbation", "noise"}, {"_replica", 2}});
  CHECK(core::Json::parse(g.node(1).def.params)["seed"] == 102);  // the same seed under every perturbation
  CHECK_FALSE(wf.exhausted());
}

TEST_CASE("the aggregation node comes once every replica finished, with their objectives and files") {
  auto spec = uq_spec();
  UqWorkflow wf(spec);
  Graph g;
  wf.start(g);
  g.take_ready();
  for (std::size_t i = 0; i < 5; ++i) finish(g, wf, i, i != 3);
  CHECK(g.size() == 6);  // one replica still running: no aggregate yet
  finish(g, wf, 5, true);
  REQUIRE(g.size() == 7);
  CHECK(wf.exhausted());
  const Node& agg = g.node(6);
  CHECK(agg.def.id == "aggregate");
  CHECK(agg.def.model == 1);
  CHECK(agg.def.after.size() == 5);  // the done replicas; the failed one does not fail the aggregate
  auto p = core::Json::parse(agg.def.params);
  CHECK(p["metric"] == "val_loss");
  CHECK(p["goal"] == "minimize");
  CHECK(p["percentiles"] == core::Json{10.0, 90.0});
  REQUIRE(p["replicas"].size() == 6);
  const auto& failed = p["replicas"][3];
  CHECK(failed["id"] == "noise.1");
  CHECK(failed["status"] == "failed");
  CHECK(failed["objective"].is_null());
  CHECK(failed["error"] == "boom");
  const auto& done = p["replicas"][0];
  CHECK(done["objective"] == 0.5);
  CHECK(done["result"]["predictions"] == "/p/base.1.npz");
  CHECK_FALSE(done["result"].contains("history"));
  CHECK(g.take_ready().back() == 6);
  // The aggregate finishing adds nothing more.
  finish(g, wf, 6, true);
  CHECK(g.size() == 7);
}
