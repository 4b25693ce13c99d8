// The sublearning builder over a bare Graph: ids as paths, lazy children, key splits that never leak a
// validation key into training, epoch strategies, weight hand-off, determinism across sessions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "engine/sublearning.hpp"
#include "spec/parse.hpp"

using namespace sv;
using namespace sv::engine;

namespace {

spec::WorkflowSpec sub_spec(const std::string& extra = "") {
  return spec::parse_workflow("workflow: sublearning\nmodel: {kind: noop}\n"
                              "sublearning: {N: 2, S: 3, keys: 40, strategy: EXP2, seed: 5" + extra + "}\n",
                              "sub.yaml", "/tmp");
}

std::set<std::string> keys_of(const core::Json& params, const char* name) {
  std::set<std::string> out;
  for (const auto& k : params.at(name)) out.insert(k.dump());
  return out;
}

// Runs every node the workflow adds, in the order `pick` chooses among the ready ones; worker of node i
// is 1 + i % 2. Returns id -> params.
std::map<std::string, core::Json> run_all(SublearningWorkflow& wf, Graph& g,
                                          const std::function<bool(const std::string&)>& fails = {},
                                          bool reverse = false) {
  std::map<std::string, core::Json> params;
  wf.start(g);
  std::vector<std::size_t> ready;
  while (true) {
    auto more = g.take_ready();
    ready.insert(ready.end(), more.begin(), more.end());
    if (ready.empty()) break;
    std::size_t i = reverse ? ready.back() : ready.front();
    ready.erase(reverse ? ready.end() - 1 : ready.begin());
    const std::string id = g.node(i).def.id;
    params[id] = core::Json::parse(g.node(i).def.params);
    g.mark_running(i);
    wf.on_node_ran(i, 1 + static_cast<int>(i % 2));
    if (fails && fails(id)) {
      g.mark_failed(i, "boom");
    } else {
      g.mark_done(i, core::Json{{"val_loss", 0.1}, {"artifacts", {{"weights", "/w/" + id + ".pt"}}}}.dump(), 0.1);
    }
    wf.on_node_finished(g, i);
  }
  return params;
}

}  // namespace

TEST_CASE("sublearning adds stage-1 nodes 1..N, then each node's N children when it finishes") {
  SublearningWorkflow wf(sub_spec().sublearning);
  CHECK(wf.expected_total() == 2 + 4 + 8);
  Graph g;
  wf.start(g);
  CHECK(g.size() == 2);
  CHECK(g.node(0).def.id == "1");
  CHECK(g.node(1).def.id == "2");
  CHECK_FALSE(wf.exhausted());
  g.take_ready();
  g.mark_running(0);
  g.mark_done(0, "{}", 0.5);
  wf.on_node_finished(g, 0);
  REQUIRE(g.size() == 4);  // only node 1's children: lazily, nothing below node 2 yet
  CHECK(g.node(2).def.id == "1.1");
  CHECK(g.node(3).def.id == "1.2");
  CHECK(g.node(2).def.after == std::vector<std::string>{"1"});
}

TEST_CASE("sublearning runs N + N^2 + ... + N^S nodes with path ids and is exhausted at the end") {
  SublearningWorkflow wf(sub_spec().sublearning);
  Graph g;
  auto params = run_all(wf, g);
  CHECK(params.size() == 14);
  for (const char* id : {"1", "2", "1.1", "1.2", "2.1", "2.2", "1.1.1", "1.1.2", "1.2.1", "2.2.2"})
    CHECK(params.count(id) == 1);
  CHECK(wf.exhausted());
  CHECK(g.counts().done == 14);
}

TEST_CASE("no validation key of a node is in its own or any ancestor's training set") {
  auto spec = sub_spec(", first_fraction: 0.7, add_fraction: 0.4, val_fraction: 0.3");
  SublearningWorkflow wf(spec.sublearning);
  Graph g;
  auto params = run_all(wf, g);
  for (const auto& [id, p] : params) {
    auto train = keys_of(p, "cells");
    auto val = keys_of(p, "val_cells");
    CHECK_FALSE(val.empty());
    for (const auto& k : val) CHECK(train.count(k) == 0);
    // Every ancestor: its training keys are a subset of this node's, and none of them validates here.
    for (std::string a = id; a.find('.') != std::string::npos;) {
      a = a.substr(0, a.rfind('.'));
      auto ancestor_train = keys_of(params.at(a), "cells");
      for (const auto& k : ancestor_train) CHECK(train.count(k) == 1);
      for (const auto& k : val) CHECK(ancestor_train.count(k) == 0);
    }
  }
  // Sizes follow the spec: stage 1 gets 28 of 40 keys (8 validate), stage 2 40% of the 20 held out (8: 2
  // validate), stage 3 40% of 14 (6: 2 validate).
  CHECK(params["1"]["cells"].size() == 20);
  CHECK(params["1"]["val_cells"].size() == 8);
  CHECK(params["1.2"]["cells"].size() == 26);
  CHECK(params["1.2"]["val_cells"].size() == 2);
  CHECK(params["1.2.1"]["cells"].size() == 30);
  CHECK(params["1.2.1"]["val_cells"].size() == 2);
  // Siblings draw different shares.
  CHECK(params["1.1"]["cells"] != params["1.2"]["cells"]);
}

TEST_CASE("the splits are a function of (seed, node id): the same spec gives the same nodes in any order") {
  auto spec = sub_spec();
  SublearningWorkflow a(spec.sublearning), b(spec.sublearning);
  Graph ga, gb;
  auto pa = run_all(a, ga, {}, false);
  auto pb = run_all(b, gb, {}, true);  // nodes finish in another order
  CHECK(pa == pb);
}

TEST_CASE("siblings take evenly spread shares: with 3/4 of the keys each, every key is left out by one of 4") {
  auto spec = spec::parse_workflow("workflow: sublearning\nmodel: {kind: noop}\n"
                                   "sublearning: {N: 4, S: 1, keys: 100, first_fraction: 0.75}\n", "s.yaml", "/tmp");
  std::map<std::uint32_t, int> received;
  for (int c = 1; c <= 4; ++c) {
    KeySplit split = sublearning_split(spec.sublearning, std::to_string(c), 1, {});
    CHECK(split.train.size() + split.val.size() == 75);
    for (auto k : split.train) ++received[k];
    for (auto k : split.val) ++received[k];
  }
  REQUIRE(received.size() == 100);
  for (const auto& [key, n] : received) CHECK(n == 3);
}

TEST_CASE("a different seed draws different splits") {
  auto s1 = spec::parse_workflow("workflow: sublearning\nmodel: {kind: noop}\nsublearning: {N: 2, S: 1, keys: 40, seed: 1}\n",
                                 "s.yaml", "/tmp");
  auto s2 = spec::parse_workflow("workflow: sublearning\nmodel: {kind: noop}\nsublearning: {N: 2, S: 1, keys: 40, seed: 2}\n",
                                 "s.yaml", "/tmp");
  CHECK(sublearning_split(s1.sublearning, "1", 1, {}).val != sublearning_split(s2.sublearning, "1", 1, {}).val);
}

TEST_CASE("children start from the parent's weights and prefer the worker that trained it") {
  SublearningWorkflow wf(sub_spec().sublearning);
  Graph g;
  wf.start(g);
  g.take_ready();
  g.mark_running(1);
  wf.on_node_ran(1, 7);
  g.mark_done(1, R"({"val_loss": 0.2, "artifacts": {"weights": "/run/tasks/2/weights.pt"}})", 0.2);
  wf.on_node_finished(g, 1);
  REQUIRE(g.size() == 4);
  const Node& child = g.node(2);
  CHECK(child.def.id == "2.1");
  CHECK(child.def.preferred_worker == 7);
  CHECK(child.def.priority == 2);
  auto p = core::Json::parse(child.def.params);
  CHECK(p["_parent"] == "2");
  CHECK(p["_initial_weights"] == "/run/tasks/2/weights.pt");
  CHECK(p["_stage"] == 2);
  CHECK(p["_strategy"] == "EXP2");
  CHECK(p["_children"] == 2);
  CHECK(p["epochs"] == 10);
  CHECK(p["patience"] == 3);
  auto root = core::Json::parse(g.node(0).def.params);
  CHECK_FALSE(root.contains("_parent"));
  CHECK(g.node(0).def.preferred_worker == -1);
}

TEST_CASE("a restored node (no worker known) still gets its children, with no preferred worker") {
  SublearningWorkflow wf(sub_spec().sublearning);
  Graph g;
  wf.start(g);
  g.take_ready();
  g.mark_done(0, R"({"artifacts": {"weights": "/old/1.pt"}})", 0.3);
  wf.on_node_restored(g, 0);
  REQUIRE(g.size() == 4);
  CHECK(g.node(2).def.preferred_worker == -1);
  CHECK(core::Json::parse(g.node(2).def.params)["_initial_weights"] == "/old/1.pt");
}

TEST_CASE("a failed node's subtree is not run and the workflow still ends") {
  SublearningWorkflow wf(sub_spec().sublearning);
  Graph g;
  std::vector<std::string> events;
  wf.record_event = [&](const std::string& kind, const std::string& m) { events.push_back(kind + ": " + m); };
  auto params = run_all(wf, g, [](const std::string& id) { return id == "1.2"; });
  CHECK(params.count("1.2") == 1);
  CHECK(params.count("1.2.1") == 0);
  CHECK(params.size() == 12);
  CHECK(wf.exhausted());
  REQUIRE(events.size() == 1);
  CHECK(events[0] == "sublearning: node 1.2 failed; its 2 descendants are not run");
}

TEST_CASE("leaves keep no weights in memory; parameter names follow the spec") {
  auto spec = sub_spec(", train_param: train_ids, val_param: val_ids, epochs_param: max_epochs_run, "
                       "weights_in_memory: 9");
  SublearningWorkflow wf(spec.sublearning);
  Graph g;
  auto params = run_all(wf, g);
  CHECK(params["1.1.1"]["_children"] == 0);
  CHECK(params["1.1"]["_children"] == 2);
  CHECK(params["1"]["_weights_keep"] == 9);
  CHECK(params["1"].contains("train_ids"));
  CHECK(params["1"].contains("val_ids"));
  CHECK(params["1"]["max_epochs_run"] == 20);
}

TEST_CASE("epoch strategies follow Table 1 of the paper") {
  using spec::EpochStrategy;
  auto by_stage = [](EpochStrategy s) {
    std::vector<int> e;
    for (int stage = 1; stage <= 5; ++stage) e.push_back(spec::strategy_epochs(s, stage, 5, 20));
    return e;
  };
  CHECK(by_stage(EpochStrategy::f20) == std::vector<int>{20, 20, 20, 20, 20});
  CHECK(by_stage(EpochStrategy::f10) == std::vector<int>{10, 10, 10, 10, 10});
  CHECK(by_stage(EpochStrategy::line) == std::vector<int>{20, 16, 12, 8, 4});
  CHECK(by_stage(EpochStrategy::sqrt) == std::vector<int>{20, 14, 12, 10, 9});
  CHECK(by_stage(EpochStrategy::exp2) == std::vector<int>{20, 10, 5, 3, 1});
}

TEST_CASE("N=4, S=5 builds the paper's 1,364 nodes") {
  auto spec = spec::parse_workflow(
      "workflow: sublearning\nmodel: {kind: noop}\n"
      "sublearning: {N: 4, S: 5, keys: 100, first_fraction: 0.75, add_fraction: 0.3, val_fraction: 0.25}\n",
      "big.yaml", "/tmp");
  SublearningWorkflow wf(spec.sublearning);
  CHECK(wf.expected_total() == 1364);
  Graph g;
  auto params = run_all(wf, g);
  CHECK(params.size() == 1364);
  CHECK(params.count("4.4.4.4.4") == 1);
  CHECK(params["4.4.4.4.4"]["epochs"] == 20);  // default strategy F-20
}
