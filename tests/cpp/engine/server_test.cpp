// The server driven event by event through the dispatcher's typed handlers (DispatchEvents), with a real
// SQLite store: no message is encoded or decoded here (tests/cpp/balancer covers the wire).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <deque>
#include <map>

#include <algorithm>

#include "../support/test_comm.hpp"
#include "balancer/dispatcher.hpp"
#include "balancer/protocol.hpp"
#include "engine/pruning.hpp"
#include "engine/hpo.hpp"
#include "engine/server.hpp"
#include "engine/sweep.hpp"
#include "spec/parse.hpp"
#include "store/store.hpp"

using namespace sv;
using namespace sv::engine;

namespace {

std::string temp_db() {
  char tmpl[] = "/tmp/sv-server-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  return dir + "/supervisor.db";
}

// A job of `workers` worker ranks whose answers are typed calls on the dispatcher (as decoded messages
// become): no bytes are read or written by the test. What the dispatcher sends goes to an in-memory
// network nobody reads.
struct Job {
  explicit Job(int workers)
      : net(std::make_shared<test::Network>(workers + 1)), server_comm(net, 0), dispatcher(server_comm), workers(workers) {
    store::RunInfo info;
    info.name = "t";
    info.status = "running";
    store = store::Store::create(temp_db(), info);
  }
  using Exec = std::function<core::TaskResult(int worker, const Node& node, std::uint64_t task_id)>;
  // Every worker says hello, then answers each task it holds with exec(); runs until the server is finished.
  void drive(Server& s, const Exec& exec, int max_rounds = 10000) {
    s.start();
    hello_all();
    serve(s, exec, max_rounds);
  }
  void hello_all() {
    for (int w = 1; w <= workers; ++w) dispatcher.on_hello(w, "host" + std::to_string(w), 1);
  }
  // The loop of drive(), for a server already started.
  void serve(Server& s, const Exec& exec, int max_rounds = 10000) {
    for (int round = 0; round < max_rounds && !s.finished(); ++round) {
      s.pump();
      for (int w = 1; w <= workers; ++w) {
        std::vector<std::uint64_t> held(dispatcher.tasks_of(w).begin(), dispatcher.tasks_of(w).end());
        std::sort(held.begin(), held.end());
        for (auto id : held) {
          ++tasks_to[w];
          const Node* node = s.node_of(id);
          REQUIRE(node);
          dispatcher.on_result(w, id, exec(w, *node, id));
        }
      }
    }
    s.flush();
  }
  std::map<int, int> tasks_to;  // by worker rank
  std::shared_ptr<test::Network> net;
  test::TestComm server_comm;
  balancer::Dispatcher dispatcher;
  int workers;
  std::unique_ptr<store::Store> store;
};

core::TaskResult ok_result(double objective) {
  core::TaskResult r;
  r.objective = objective;
  r.result = "{\"val_loss\":" + std::to_string(objective) + "}";
  r.start_time = 1;
  r.end_time = 2;
  return r;
}

double x_of(const Node& n) { return core::Json::parse(n.def.params)["x"].get<double>(); }

std::vector<core::Json> tuples(int n) {
  std::vector<core::Json> out;
  for (int i = 0; i < n; ++i) out.push_back(core::Json{{"x", i}});
  return out;
}

}  // namespace

TEST_CASE("a sweep's tuples all run, spread over the workers, and land in the store as done") {
  Job job(2);
  SweepWorkflow wf(tuples(10));
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  std::map<int, int> per_worker;
  job.drive(s, [&](int w, const Node& n, std::uint64_t) {
    ++per_worker[w];
    return ok_result(x_of(n));
  });
  REQUIRE(s.finished());
  auto counts = job.store->counts();
  CHECK(counts.done == 10);
  CHECK(per_worker[1] > 0);
  CHECK(per_worker[2] > 0);
  auto row = job.store->task_by_node("3");
  REQUIRE(row);
  CHECK(row->params == R"({"x":2})");
  CHECK(row->objective == Approx(2.0));
  CHECK(row->host.rfind("host", 0) == 0);
  CHECK(row->attempts == 1);
  auto best = job.store->best_tasks(1, true);
  REQUIRE(best.size() == 1);
  CHECK(best[0].node_id == "1");
}

TEST_CASE("a sweep forgets each finished node once the store has its row; every row is in the store") {
  Job job(2);
  SweepWorkflow wf(tuples(10000));
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  job.drive(s, [&](int, const Node& n, std::uint64_t) { return ok_result(x_of(n)); });
  REQUIRE(s.finished());
  CHECK(job.store->counts().done == 10000);
  CHECK(s.graph().counts().done == 10000);
  CHECK(!s.graph().holds(0));
  CHECK(!s.graph().holds(9999));
  CHECK(s.node_of(1) == nullptr);
  auto row = job.store->task_by_node("10000");
  REQUIRE(row);
  CHECK(row->params == R"({"x":9999})");
}

TEST_CASE("a failing task is retried up to model.retries, then marked failed with its error; the rest go on") {
  Job job(1);
  SweepWorkflow wf(tuples(3));
  ServerOptions opts;
  opts.models = {ModelInfo{"m", 2}};
  Server s(job.dispatcher, *job.store, wf, opts);
  int calls_for_bad = 0;
  job.drive(s, [&](int, const Node& n, std::uint64_t) {
    if (n.def.id == "2") {
      ++calls_for_bad;
      core::TaskResult r;
      r.outcome = core::Outcome::failed;
      r.error = "ValueError: bad\n\nTraceback...";
      return r;
    }
    return ok_result(1);
  });
  CHECK(calls_for_bad == 3);
  auto row = job.store->task_by_node("2");
  REQUIRE(row);
  CHECK(row->status == store::TaskStatus::failed);
  CHECK(row->attempts == 3);
  CHECK(row->error.find("ValueError: bad") == 0);
  CHECK(job.store->counts().done == 2);
}

TEST_CASE("an interrupted task goes back to pending and runs again; it is not a failed attempt") {
  Job job(1);
  SweepWorkflow wf(tuples(1));
  ServerOptions opts;
  opts.models = {ModelInfo{"m", 0}};
  Server s(job.dispatcher, *job.store, wf, opts);
  int calls = 0;
  job.drive(s, [&](int, const Node&, std::uint64_t) {
    if (++calls == 1) {
      core::TaskResult r;
      r.outcome = core::Outcome::interrupted;
      r.error = "interrupted at epoch 2";
      return r;
    }
    return ok_result(0.5);
  });
  CHECK(calls == 2);
  auto row = job.store->task_by_node("1");
  REQUIRE(row);
  CHECK(row->status == store::TaskStatus::done);
  CHECK(row->attempts == 2);
}

TEST_CASE("progress messages become per-epoch metric rows") {
  Job job(1);
  SweepWorkflow wf(tuples(1));
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  job.drive(s, [&](int w, const Node&, std::uint64_t id) {
    for (int e = 1; e <= 3; ++e)
      job.dispatcher.on_progress(w, id, 1.0 * e, "{\"epoch\":" + std::to_string(e) + ",\"loss\":0.5}");
    return ok_result(0.5);
  });
  auto rows = job.store->metrics("1");
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].epoch == 3);
  CHECK(rows[0].metrics.find("loss") != std::string::npos);
}

TEST_CASE("a worker that cannot start ends the run with its reason") {
  Job job(2);
  SweepWorkflow wf(tuples(5));
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  s.start();
  job.dispatcher.on_fatal(1, "cannot import numpy");
  CHECK(s.finished());
}

TEST_CASE("a result for a task the worker does not hold is ignored") {
  Job job(1);
  SweepWorkflow wf(tuples(1));
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  s.start();
  job.dispatcher.on_hello(1, "h", 1);
  job.dispatcher.on_result(1, 1, ok_result(1));  // not dispatched yet
  CHECK(s.graph().counts().done == 0);
}

namespace {
// A two-level DAG: "p" then "p.1" and "p.2" added when p finishes, reading its result.
class TreeWorkflow : public Workflow {
 public:
  void start(Graph& g) override {
    NodeDef d;
    d.id = "p";
    d.params = "{}";
    g.add(d);
  }
  void on_node_finished(Graph& g, std::size_t index) override {
    if (g.node(index).def.id != "p") return;
    parent_result = g.node(index).outcome.result;
    for (int i = 1; i <= 2; ++i) {
      NodeDef d;
      d.id = "p." + std::to_string(i);
      d.params = "{}";
      d.after = {"p"};
      g.add(d);
    }
    added = true;
  }
  bool exhausted() const override { return added; }
  bool added = false;
  std::string parent_result;
};
}  // namespace

TEST_CASE("nodes added while the job runs are dispatched, and children see the parent's result") {
  Job job(2);
  TreeWorkflow wf;
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  std::vector<std::string> order;
  job.drive(s, [&](int, const Node& n, std::uint64_t) {
    order.push_back(n.def.id);
    return ok_result(1);
  });
  REQUIRE(order.size() == 3);
  CHECK(order[0] == "p");
  CHECK(wf.parent_result == R"({"val_loss":1.000000})");
  CHECK(job.store->counts().done == 3);
}

TEST_CASE("every state of a task reaches the store only when the server flushes, as one row") {
  Job job(1);
  SweepWorkflow wf(tuples(1));
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  s.start();
  job.dispatcher.on_hello(1, "h", 1);
  s.pump();
  job.store->flush();
  CHECK(job.store->counts().total() == 0);  // not handed over yet
  s.flush();
  CHECK(job.store->counts().running == 1);
  job.dispatcher.on_result(1, 1, ok_result(0.25));
  s.flush();
  auto row = job.store->task_by_node("1");
  REQUIRE(row);
  CHECK(row->status == store::TaskStatus::done);
  CHECK(row->result == R"({"val_loss":0.250000})");
  CHECK(row->objective == Approx(0.25));
  CHECK(row->start_time == 1);
  CHECK(row->result_seq == 1);
  CHECK(row->params == R"({"x":0})");  // written with the first state, kept by the state-only updates after
  CHECK(row->model.empty());   // ModelInfo{} has no name
}

TEST_CASE("a worker that gives itself up over a stuck task: that attempt fails and runs again elsewhere") {
  Job job(2);
  SweepWorkflow wf(tuples(6));
  ServerOptions options;
  options.models = {ModelInfo{"m", 1}};
  Server s(job.dispatcher, *job.store, wf, options);
  s.start();
  job.hello_all();
  s.pump();
  REQUIRE(!job.dispatcher.tasks_of(2).empty());
  std::uint64_t stuck = *job.dispatcher.tasks_of(2).begin();
  const std::string stuck_node = s.node_of(stuck)->def.id;  // a sweep forgets its nodes once stored
  job.dispatcher.on_retire(2, stuck, "stuck");
  CHECK(job.dispatcher.worker(2).lost);
  CHECK(job.dispatcher.worker_count() == 1);
  job.serve(s, [&](int w, const Node& n, std::uint64_t) {
    CHECK(w == 1);
    return ok_result(x_of(n));
  });
  REQUIRE(s.finished());
  CHECK(job.store->counts().done == 6);
  auto row = job.store->task_by_node(stuck_node);
  REQUIRE(row);
  CHECK(row->attempts == 2);  // the stuck start counted as a failed attempt, then model.retries ran it again
  bool lost_event = false;
  for (const auto& e : job.store->events()) lost_event |= e.kind == "lost";
  CHECK(lost_event);
}

namespace {
// An optimizer that proposes two points at once, then one more after each result (streaming), and ends
// once the search closes it.
struct StreamingPort : eq::OptimizerPort {
  std::deque<std::string> out;
  std::vector<core::Json> results;
  bool stopped = false, closed = false;
  int proposed = 0;
  void propose(int n) {
    core::Json pts = core::Json::array();
    for (int i = 0; i < n; ++i, ++proposed) pts.push_back({{"params", {{"x", 0.1 * proposed}}}, {"tag", proposed}});
    out.push_back(core::Json{{"type", "points"}, {"points", pts}}.dump());
  }
  eq::Received receive(std::string& m, double) override {
    if (!out.empty()) {
      m = out.front();
      out.pop_front();
      return eq::Received::message;
    }
    return closed ? eq::Received::ended : eq::Received::nothing;
  }
  void send(std::string m) override {
    auto j = core::Json::parse(m);
    if (j["type"] == "result") {
      results.push_back(j);
      if (!stopped) propose(1);
    } else if (j["type"] == "stop") {
      stopped = true;
    }
  }
  void close() override { closed = true; }
};
}  // namespace

TEST_CASE("an hpo search runs through the server: each result goes back to the optimizer, max_evals ends it") {
  Job job(2);
  auto spec = spec::parse_workflow("workflow: hpo\nmodel: {kind: noop}\n"
                                   "space: {x: {type: float, low: 0, high: 1}}\n"
                                   "optimizer: {name: random, max_evals: 5}\n",
                                   "t.yaml", "/tmp");
  auto port = std::make_unique<StreamingPort>();
  StreamingPort* p = port.get();
  p->propose(2);
  HpoWorkflow wf(spec, std::move(port));
  Server s(job.dispatcher, *job.store, wf, ServerOptions{});
  job.drive(s, [&](int, const Node& n, std::uint64_t) { return ok_result(1.0 - x_of(n)); });
  REQUIRE(s.finished());
  CHECK(job.store->counts().done == 5);
  REQUIRE(p->results.size() == 5);
  for (const auto& r : p->results) {
    CHECK(r["ok"] == true);
    CHECK(r["objective"] == Approx(1.0 - r["params"]["x"].get<double>()));
    CHECK(r["tag"] == std::stoi(r["id"].get<std::string>()) - 1);  // proposal k is node k+1
  }
  CHECK(p->stopped);
  auto best = job.store->best_tasks(1, true);
  REQUIRE(best.size() == 1);
  CHECK(best[0].node_id == "5");  // x = 0.4, the largest proposed: objective 0.6
}

namespace {
// What the server sent `worker` so far: task ids and per-task stops.
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> sent_to(test::TestComm& worker) {
  std::vector<std::uint64_t> tasks, stops;
  int src;
  std::string bytes;
  while (worker.try_receive(src, bytes))
    balancer::decode_each(bytes, [&](balancer::Message&& m) {
      if (auto* t = std::get_if<balancer::TaskMsg>(&m)) tasks.push_back(t->task_id);
      if (auto* s = std::get_if<balancer::StopTaskMsg>(&m)) stops.push_back(s->task_id);
    });
  return {tasks, stops};
}

std::string epoch_report(int epoch, double loss) {
  return "{\"epoch\":" + std::to_string(epoch) + ",\"loss\":" + std::to_string(loss) + "}";
}
}  // namespace

TEST_CASE("a pruner's stop decision stops that task only, and its pruned result is final and survives a resume") {
  // One worker that runs all three tasks at once; what the dispatcher sends it is read back (tasks, stops).
  auto net = std::make_shared<test::Network>(2);
  test::TestComm server_comm(net, 0), worker(net, 1);
  balancer::DispatcherOptions dispatch;
  dispatch.slots_per_worker = 3;
  store::RunInfo info;
  info.name = "t";
  info.status = "running";
  auto store = store::Store::create(temp_db(), info);
  prune::PrunerOptions pruner;
  pruner.kind = prune::PrunerKind::asha;
  pruner.metrics = {{"loss", prune::Goal::minimize}};
  {
    balancer::Dispatcher dispatcher(server_comm, dispatch);
    SweepWorkflow wf(tuples(3));
    Server s(dispatcher, *store, wf, ServerOptions{});
    s.set_pruning(make_pruning(pruner, *store));
    s.start();
    dispatcher.on_hello(1, "h", 1);
    s.pump();
    CHECK(sent_to(worker).first == std::vector<std::uint64_t>{1, 2, 3});
    dispatcher.on_progress(1, 1, 1.0, epoch_report(1, 0.1));
    dispatcher.on_progress(1, 2, 1.0, epoch_report(1, 0.9));  // worse at rung 0
    CHECK(sent_to(worker).second == std::vector<std::uint64_t>{2});
    CHECK_FALSE(s.stop_task(2));  // once
    CHECK_FALSE(s.stop_task(3));  // never reported an epoch: never stopped
    core::TaskResult r;
    r.outcome = core::Outcome::pruned;
    r.objective = 0.9;
    r.result = R"({"pruned":true,"epoch":1})";
    r.start_time = 1;
    r.end_time = 2;
    dispatcher.on_result(1, 2, std::move(r));
    s.flush();
    auto pruned = store->tasks_with_status(store::TaskStatus::pruned);
    REQUIRE(pruned.size() == 1);
    CHECK(pruned[0].node_id == "2");
    CHECK(pruned[0].objective == 0.9);
    CHECK(pruned[0].result == R"({"pruned":true,"epoch":1})");
    CHECK(pruned[0].result_seq > 0);
    auto decisions = store->prune_decisions();
    REQUIRE(decisions.size() == 2);
    CHECK_FALSE(decisions[0].stop);
    CHECK(decisions[1].stop);
    CHECK(decisions[1].node_id == "2");
    CHECK(decisions[1].rung_values == "[[0.1]]");
  }
  // A new session of the same run: the pruned task is finished, the others run again.
  balancer::Dispatcher dispatcher(server_comm, dispatch);
  SweepWorkflow wf(tuples(3));
  Server s(dispatcher, *store, wf, ServerOptions{});
  s.restore(store->tasks());
  s.set_pruning(make_pruning(pruner, *store));
  s.start();
  dispatcher.on_hello(1, "h", 1);
  s.pump();
  CHECK(sent_to(worker).first == std::vector<std::uint64_t>{1, 3});
  // The rebuilt pruner remembers task 1 at rung 0: a newcomer worse than it is stopped at once.
  dispatcher.on_progress(1, 3, 1.0, epoch_report(1, 0.5));
  CHECK(sent_to(worker).second == std::vector<std::uint64_t>{3});
}
