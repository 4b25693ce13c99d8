// The dag builder over a bare Graph: nodes added when their parents finish, parents' outputs in `_inputs`,
// weights_from hand-off with worker preference, a failed parent failing its descendants.
#include <catch2/catch.hpp>

#include "engine/dag.hpp"
#include "spec/parse.hpp"

using namespace sv;
using namespace sv::engine;

namespace {

//   prep ──► train-a ──► compare
//      └───► train-b ──┘
spec::WorkflowSpec dag_spec() {
  return spec::parse_workflow(R"(workflow: dag
model: {kind: noop}
models:
  trainer: {kind: python, entry: m.uno:run}
nodes:
  prep: {params: {n: 1}}
  train-a: {model: trainer, after: [prep], params: {lr: 0.1}, weights_from: prep, priority: 3}
  train-b: {model: trainer, after: [prep]}
  compare: {after: [train-a, train-b]}
)",
                              "dag.yaml", "/tmp");
}

std::size_t index_of(const Graph& g, const std::string& id) { return *g.find(id); }

void done(Graph& g, Workflow& wf, const std::string& id, int worker = 1) {
  std::size_t i = index_of(g, id);
  g.mark_running(i);
  wf.on_node_ran(i, worker);
  g.mark_done(i, core::Json{{"val_loss", 0.25}, {"history", {{"loss", {1}}}}, {"artifacts", {{"weights", "/w/" + id + ".pt"}}}}.dump(),
              0.25);
  wf.on_node_finished(g, i);
}

}  // namespace

TEST_CASE("dag nodes enter the graph when their last parent finishes, with the parents' outputs") {
  DagWorkflow wf(dag_spec().dag);
  CHECK(wf.expected_total() == 4);
  Graph g;
  wf.start(g);
  REQUIRE(g.size() == 1);
  CHECK(core::Json::parse(g.node(0).def.params) == core::Json{{"n", 1}});
  done(g, wf, "prep", 4);
  REQUIRE(g.size() == 3);
  const Node& a = g.node(index_of(g, "train-a"));
  CHECK(a.def.model == 1);
  CHECK(a.def.priority == 3);
  CHECK(a.def.preferred_worker == 4);
  auto pa = core::Json::parse(a.def.params);
  CHECK(pa["lr"] == 0.1);
  CHECK(pa["_parent"] == "prep");
  CHECK(pa["_initial_weights"] == "/w/prep.pt");
  CHECK(pa["_inputs"]["prep"]["status"] == "done");
  CHECK(pa["_inputs"]["prep"]["weights"] == "/w/prep.pt");
  CHECK(pa["_inputs"]["prep"]["result"] == core::Json{{"val_loss", 0.25}, {"artifacts", {{"weights", "/w/prep.pt"}}}});
  auto pb = core::Json::parse(g.node(index_of(g, "train-b")).def.params);
  CHECK_FALSE(pb.contains("_parent"));
  CHECK(g.node(index_of(g, "train-b")).def.preferred_worker == -1);
  done(g, wf, "train-a");
  CHECK(g.size() == 3);  // compare waits for train-b
  CHECK_FALSE(wf.exhausted());
  done(g, wf, "train-b");
  REQUIRE(g.size() == 4);
  CHECK(wf.exhausted());
  const Node& c = g.node(index_of(g, "compare"));
  CHECK(c.def.model == 0);
  CHECK(c.def.after == std::vector<std::string>{"train-a", "train-b"});
  auto pc = core::Json::parse(c.def.params);
  CHECK(pc["_inputs"].size() == 2);
  CHECK(pc["_inputs"]["train-b"]["weights"] == "/w/train-b.pt");
}

TEST_CASE("a node after a failed node fails without running, and so do its descendants") {
  DagWorkflow wf(dag_spec().dag);
  Graph g;
  wf.start(g);
  std::size_t prep = index_of(g, "prep");
  g.mark_running(prep);
  g.mark_failed(prep, "boom");
  wf.on_node_finished(g, prep);
  REQUIRE(g.size() == 3);
  auto cascaded = g.take_cascaded_failures();
  CHECK(cascaded.size() == 2);
  for (auto i : cascaded) wf.on_node_finished(g, i);  // as the server does
  REQUIRE(g.size() == 4);
  CHECK(g.node(index_of(g, "compare")).state == NodeState::failed);
  CHECK(wf.exhausted());
  CHECK(g.counts().failed == 4);
}
