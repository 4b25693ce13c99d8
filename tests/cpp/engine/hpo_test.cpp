// The hpo workflow against a scripted optimizer port: points become nodes, results go back, stop rules.
#include <catch2/catch.hpp>

#include <deque>

#include "core/clock.hpp"
#include "engine/hpo.hpp"
#include "spec/parse.hpp"

using namespace sv;
using namespace sv::engine;

namespace {

// The optimizer's side, scripted: `from_optimizer` is what it has sent; once `ending`, after `busy_looks` more
// looks at an empty queue it puts its `last_words` and its thread returns (`done`), the interleaving in
// which a last message and the end arrive together.
struct ScriptedPort : eq::OptimizerPort {
  std::deque<std::string> from_optimizer;
  std::vector<core::Json> to_optimizer;
  std::vector<std::string> last_words;
  bool ending = false;
  int busy_looks = 0;
  bool done = false;
  bool closed = false;
  eq::Received receive(std::string& m, double) override {
    if (from_optimizer.empty() && ending && !done) {
      if (busy_looks > 0) {
        --busy_looks;
        return eq::Received::nothing;
      }
      for (auto& w : last_words) from_optimizer.push_back(w);
      done = true;
    }
    if (!from_optimizer.empty()) {
      m = from_optimizer.front();
      from_optimizer.pop_front();
      return eq::Received::message;
    }
    return done ? eq::Received::ended : eq::Received::nothing;
  }
  void send(std::string m) override { to_optimizer.push_back(core::Json::parse(m)); }
  void close() override { closed = true; }
};

spec::WorkflowSpec hpo_spec(const std::string& optimizer_extra = "", const std::string& objective = "") {
  return spec::parse_workflow("workflow: hpo\nmodel: {kind: noop}\n"
                              "space: {x: {type: float, low: 0, high: 1}}\n"
                              "optimizer: {name: random, max_evals: 3" + optimizer_extra + "}\n" + objective,
                              "t.yaml", "/tmp");
}

std::string points(std::initializer_list<double> xs) {
  core::Json pts = core::Json::array();
  int tag = 0;
  for (double x : xs) pts.push_back({{"params", {{"x", x}}}, {"tag", tag++}});
  return core::Json{{"type", "points"}, {"points", pts}}.dump();
}

void finish_node(Graph& g, HpoWorkflow& wf, std::size_t i, std::optional<double> objective, std::string result) {
  g.mark_running(i);
  if (objective) {
    g.mark_done(i, std::move(result), objective);
  } else {
    g.mark_failed(i, "boom");
  }
  wf.on_node_finished(g, i);
}

}  // namespace

TEST_CASE("proposed points become nodes 1..n and each result goes back with its tag") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(), std::move(port));
  Graph g;
  wf.start(g);
  p->from_optimizer.push_back(points({0.1, 0.2}));
  wf.poll(g);
  auto ready = g.take_ready();
  REQUIRE(ready.size() == 2);
  CHECK(g.node(ready[0]).def.id == "1");
  CHECK(g.node(ready[1]).def.params == R"({"x":0.2})");
  finish_node(g, wf, ready[1], 0.5, R"({"val_loss":0.5})");
  REQUIRE(p->to_optimizer.size() == 1);
  const auto& r = p->to_optimizer[0];
  CHECK(r["type"] == "result");
  CHECK(r["id"] == "2");
  CHECK(r["tag"] == 1);
  CHECK(r["ok"] == true);
  CHECK(r["objective"] == 0.5);
  CHECK(r["objectives"]["val_loss"] == 0.5);
  finish_node(g, wf, ready[0], std::nullopt, "");
  CHECK(p->to_optimizer[1]["ok"] == false);
  CHECK(p->to_optimizer[1]["objective"].is_null());
  CHECK(p->to_optimizer[1]["error"] == "boom");
}

TEST_CASE("no more than max_evals points are accepted, and the optimizer is told to stop once they are in") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(), std::move(port));
  Graph g;
  wf.start(g);
  p->from_optimizer.push_back(points({0.1, 0.2, 0.3, 0.4, 0.5}));
  wf.poll(g);
  auto ready = g.take_ready();
  CHECK(ready.size() == 3);
  for (auto i : ready) finish_node(g, wf, i, 1.0, "{}");
  CHECK(p->to_optimizer.back()["type"] == "stop");
  CHECK(p->to_optimizer.back()["reason"] == "max_evals");
  CHECK(wf.exhausted());
}

TEST_CASE("reaching the target objective stops the search") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(", target: 0.05"), std::move(port));
  Graph g;
  wf.start(g);
  p->from_optimizer.push_back(points({0.1}));
  wf.poll(g);
  auto ready = g.take_ready();
  finish_node(g, wf, ready[0], 0.01, "{}");
  CHECK(p->to_optimizer.back()["reason"] == "target");
  p->from_optimizer.push_back(points({0.2}));
  wf.poll(g);
  CHECK(g.take_ready().empty());
}

TEST_CASE("an optimizer abort becomes the campaign's fatal error with its traceback") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(), std::move(port));
  Graph g;
  wf.start(g);
  p->from_optimizer.push_back(R"({"type": "abort", "message": "Traceback ...\nZeroDivisionError: x"})");
  wf.poll(g);
  REQUIRE(wf.fatal());
  CHECK(wf.fatal()->find("ZeroDivisionError") != std::string::npos);
  CHECK(wf.exhausted());
}

TEST_CASE("an abort the optimizer sends as its thread ends is handled, not dropped") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(), std::move(port));
  Graph g;
  wf.start(g);
  p->ending = true;
  p->last_words = {R"({"type": "abort", "message": "Traceback ...\nRuntimeError: crashed after its last answer"})"};
  wf.poll(g);
  REQUIRE(wf.fatal());
  CHECK(wf.fatal()->find("crashed after its last answer") != std::string::npos);
  CHECK(wf.exhausted());
}

TEST_CASE("finish waits for the optimizer's final message until its thread has ended, however long it takes") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(), std::move(port));
  std::vector<std::pair<std::string, std::string>> events;
  wf.record_event = [&](const std::string& k, const std::string& m) { events.emplace_back(k, m); };
  Graph g;
  wf.start(g);
  p->ending = true;
  p->busy_looks = 100000;  // a long final computation (a fixed wait would have given up on it)
  p->last_words = {R"({"type": "done", "best": {"params": {"x": 0.1}, "objective": 0.2}})"};
  wf.finish(g);
  CHECK(p->closed);
  REQUIRE(!p->to_optimizer.empty());
  CHECK(p->to_optimizer.back()["type"] == "stop");
  bool saw_done = false;
  for (const auto& e : events)
    if (e.first == "optimizer:done") saw_done = core::Json::parse(e.second)["best"]["objective"] == 0.2;
  CHECK(saw_done);
  CHECK(!wf.fatal());
}

TEST_CASE("events and the final summary are recorded; done closes the search") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(), std::move(port));
  std::vector<std::pair<std::string, std::string>> events;
  wf.record_event = [&](const std::string& k, const std::string& m) { events.emplace_back(k, m); };
  Graph g;
  wf.start(g);
  p->from_optimizer.push_back(R"({"type": "event", "kind": "final", "message": "best so far"})");
  p->from_optimizer.push_back(R"({"type": "done", "best": {"params": {"x": 0.1}, "objective": 0.2}})");
  wf.poll(g);
  REQUIRE(events.size() == 2);
  CHECK(events[0].first == "optimizer:final");
  CHECK(events[1].first == "optimizer:done");
  CHECK(core::Json::parse(events[1].second)["best"]["objective"] == 0.2);
  CHECK(wf.exhausted());
}

TEST_CASE("secondary objectives are read from the model's result") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec("", "objective:\n  metrics: [{metric: val_loss}, {metric: predict_time}]\n"),
                 std::move(port));
  Graph g;
  wf.start(g);
  p->from_optimizer.push_back(points({0.1}));
  wf.poll(g);
  auto ready = g.take_ready();
  finish_node(g, wf, ready[0], 0.3, R"({"val_loss": 0.3, "predict_time": 0.02})");
  CHECK(p->to_optimizer[0]["objectives"]["predict_time"] == 0.02);
}

TEST_CASE("the optimizer configuration carries the space, objectives and optimizer settings") {
  auto spec = hpo_spec(", seed: 4, batch: 2");
  auto c = optimizer_config(spec, "/runs/x", 16);
  CHECK(c["workers"] == 16);
  CHECK(c["space"][0]["name"] == "x");
  CHECK(c["space"][0]["type"] == "float");
  CHECK(c["optimizer"]["seed"] == 4);
  CHECK(c["optimizer"]["batch"] == 2);
  CHECK(c["objectives"][0]["metric"] == "val_loss");
  CHECK(c["objectives"][0]["goal"] == "minimize");
}

TEST_CASE("the optimizer configuration hands over the run directory's ask log, none when only checking") {
  auto spec = hpo_spec("");
  CHECK(optimizer_config(spec, "/runs/x", 4)["ask_log"] == "/runs/x/optimizer_asks.txt");
  CHECK(optimizer_config(spec, "", 4)["ask_log"] == "");
}

TEST_CASE("max_time counts the optimizer time earlier sessions recorded") {
  std::vector<store::EventRow> events = {{1.0, "optimizer:time", R"({"session_s": 30, "total_s": 30})"},
                                         {2.0, "optimizer:log", "x"},
                                         {3.0, "optimizer:time", R"({"session_s": 45, "total_s": 75})"}};
  double earlier = recorded_optimizer_time(events);
  CHECK(earlier == 75);
  CHECK(recorded_optimizer_time({}) == 0);
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(", max_time: 60"), std::move(port), {}, earlier);
  std::vector<std::pair<std::string, std::string>> recorded;
  wf.record_event = [&](const std::string& k, const std::string& m) { recorded.emplace_back(k, m); };
  Graph g;
  wf.start(g);
  wf.poll(g);
  REQUIRE(!p->to_optimizer.empty());
  CHECK(p->to_optimizer.back() == core::Json{{"type", "stop"}, {"reason", "max_time"}});
  p->ending = true;
  wf.finish(g);
  REQUIRE(!recorded.empty());
  CHECK(recorded.back().first == "optimizer:time");
  CHECK(core::Json::parse(recorded.back().second)["total_s"].get<double>() >= 75);
}

TEST_CASE("during a drain finish stops waiting for the optimizer once the drain's deadline has passed") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(), std::move(port));
  std::vector<std::pair<std::string, std::string>> events;
  wf.record_event = [&](const std::string& k, const std::string& m) { events.emplace_back(k, m); };
  Graph g;
  wf.start(g);
  p->ending = false;  // an optimizer deep in a computation: it would never end by itself here
  wf.finish_by = core::wall_now() - 1;
  wf.finish(g);
  CHECK(p->closed);
  bool noted = false;
  for (const auto& e : events) noted = noted || e.first == "optimizer:finish";
  CHECK(noted);
}

TEST_CASE("a pruned trial goes to the optimizer with its epochs, and the value it reached is no target hit") {
  auto port = std::make_unique<ScriptedPort>();
  auto* p = port.get();
  HpoWorkflow wf(hpo_spec(", target: 0.05"), std::move(port));
  Graph g;
  wf.start(g);
  p->from_optimizer.push_back(points({0.1, 0.2}));
  wf.poll(g);
  auto ready = g.take_ready();
  REQUIRE(ready.size() == 2);
  finish_node(g, wf, ready[0], 0.01,
              R"({"pruned":true,"epoch":2,"history":{"epoch":[1,2],"val_loss":[0.5,0.01]}})");
  const core::Json& told = p->to_optimizer.back();
  CHECK(told["type"] == "result");
  CHECK(told["ok"] == true);
  CHECK(told["objective"] == 0.01);
  CHECK(told["pruned"] == core::Json::parse("[[1,0.5],[2,0.01]]"));
  // A full training with the same value stops the search; the pruned one did not.
  finish_node(g, wf, ready[1], 0.01, "{}");
  CHECK_FALSE(p->to_optimizer.back().contains("pruned"));
  CHECK(p->to_optimizer.back()["reason"] == "target");
}
