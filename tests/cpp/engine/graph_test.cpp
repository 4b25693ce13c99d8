#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "engine/graph.hpp"

using namespace sv::engine;

namespace {
NodeDef def(std::string id, std::vector<std::string> after = {}) {
  NodeDef d;
  d.id = std::move(id);
  d.params = "{}";
  d.after = std::move(after);
  return d;
}
}  // namespace

TEST_CASE("a node without dependencies is ready at once") {
  Graph g;
  auto i = g.add(def("1"));
  CHECK(g.take_ready() == std::vector<std::size_t>{i});
  CHECK(g.take_ready().empty());
}

TEST_CASE("a node becomes ready when every node it runs after is done, and sees their results") {
  Graph g;
  auto a = g.add(def("a"));
  auto b = g.add(def("b"));
  auto c = g.add(def("c", {"a", "b"}));
  g.take_ready();
  g.mark_running(a);
  g.mark_done(a, R"({"w":"a.pt"})", 1.0);
  CHECK(g.take_ready().empty());
  g.mark_running(b);
  g.mark_done(b, "{}", 2.0);
  CHECK(g.take_ready() == std::vector<std::size_t>{c});
  CHECK(g.node(a).outcome.result == R"({"w":"a.pt"})");
}

TEST_CASE("a node added after its parent finished is ready at once") {
  Graph g;
  auto p = g.add(def("1"));
  g.take_ready();
  g.mark_running(p);
  g.mark_done(p, "{}", std::nullopt);
  auto c = g.add(def("1.1", {"1"}));
  CHECK(g.take_ready() == std::vector<std::size_t>{c});
}

TEST_CASE("a failed node fails everything downstream, reported as cascaded failures") {
  Graph g;
  auto a = g.add(def("a"));
  auto b = g.add(def("b", {"a"}));
  auto c = g.add(def("c", {"b"}));
  g.take_ready();
  g.mark_running(a);
  g.mark_failed(a, "boom");
  CHECK(g.node(b).state == NodeState::failed);
  CHECK(g.node(c).state == NodeState::failed);
  CHECK(g.node(c).outcome.error == "dependency 'b' failed");
  auto cascaded = g.take_cascaded_failures();
  CHECK(cascaded.size() == 2);
  CHECK(g.counts().failed == 3);
  CHECK(g.counts().unfinished() == 0);
  auto d = g.add(def("d", {"a"}));
  CHECK(g.node(d).state == NodeState::failed);
}

TEST_CASE("bad ids, duplicates and unknown dependencies are refused") {
  Graph g;
  g.add(def("1"));
  CHECK_THROWS_AS(g.add(def("1")), sv::core::ConfigError);
  CHECK_THROWS_AS(g.add(def("../etc")), sv::core::ConfigError);
  CHECK_THROWS_AS(g.add(def("a/b")), sv::core::ConfigError);
  CHECK_THROWS_AS(g.add(def("")), sv::core::ConfigError);
  CHECK_THROWS_WITH(g.add(def("2", {"nope"})), Catch::Contains("unknown node 'nope'"));
}

TEST_CASE("counts follow every state change") {
  Graph g;
  auto a = g.add(def("a"));
  g.add(def("b", {"a"}));
  CHECK(g.counts().ready == 1);
  CHECK(g.counts().waiting == 1);
  g.take_ready();
  g.mark_running(a);
  CHECK(g.counts().running == 1);
  g.mark_done(a, "{}", 0.5);
  CHECK(g.counts().done == 1);
  CHECK(g.counts().ready == 1);
}

TEST_CASE("a forgotten node's index stays counted but the node and its id are gone") {
  Graph g;
  std::vector<std::size_t> ids;
  for (int i = 1; i <= 5000; ++i) ids.push_back(g.add(NodeDef{std::to_string(i), 0, "{}", {}, 0, -1}));
  for (auto i : g.take_ready()) {
    g.mark_running(i);
    g.mark_done(i, "{}", 1.0);
  }
  for (std::size_t i = 0; i < 4096; ++i) g.forget(ids[i]);  // the whole first chunk
  g.forget(ids[4096]);
  CHECK(!g.holds(ids[0]));
  CHECK(!g.holds(ids[4096]));
  CHECK(g.holds(ids[4097]));
  CHECK(g.node(ids[4097]).def.id == "4098");
  CHECK(!g.find("1"));
  CHECK(g.find("4098") == ids[4097]);
  CHECK(g.size() == 5000);
  CHECK(g.counts().done == 5000);
  std::size_t next = g.add(NodeDef{"5001", 0, "{}", {}, 0, -1});
  CHECK(next == 5000);
  CHECK(g.holds(next));
}
