// The server driven message by message over an in-memory Comm, with a real SQLite store.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>

#include "../support/test_comm.hpp"
#include "balancer/protocol.hpp"
#include "engine/server.hpp"
#include "engine/sweep.hpp"
#include "store/store.hpp"

using namespace sv;
using namespace sv::engine;
using balancer::ResultMsg;
using balancer::TaskMsg;

namespace {

std::string temp_db() {
  char tmpl[] = "/tmp/sv-server-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  return dir + "/supervisor.db";
}

struct Job {
  explicit Job(int workers) : net(std::make_shared<test::Network>(workers + 1)), server_comm(net, 0) {
    for (int r = 1; r <= workers; ++r) worker_comms.emplace_back(net, r);
    store::RunInfo info;
    info.name = "t";
    info.status = "running";
    store = store::Store::create(temp_db(), info);
  }
  // Each worker answers every task with exec(task); runs until the server is finished.
  void drive(Server& s, const std::function<ResultMsg(int worker, const TaskMsg&)>& exec, int max_rounds = 10000) {
    s.start();
    for (auto& w : worker_comms)
      w.send(0, balancer::encode(balancer::HelloMsg{"host" + std::to_string(w.rank()), 1}));
    serve(s, exec, max_rounds);
  }
  // The message loop of drive(), for a server already started.
  void serve(Server& s, const std::function<ResultMsg(int worker, const TaskMsg&)>& exec, int max_rounds = 10000) {
    for (int round = 0; round < max_rounds && !s.finished(); ++round) {
      int src;
      std::string bytes;
      while (server_comm.try_receive(src, bytes)) s.on_message(src, bytes);
      s.pump();
      for (auto& w : worker_comms) {
        while (w.try_receive(src, bytes)) {
          ++messages_to[w.rank()];
          balancer::decode_each(bytes, [&](balancer::Message&& m) {
            if (auto* t = std::get_if<TaskMsg>(&m)) {
              ++tasks_to[w.rank()];
              ResultMsg r = exec(w.rank(), *t);
              r.task_id = t->task_id;
              w.send(0, balancer::encode(r));
            }
          });
        }
      }
    }
    s.flush();
  }
  std::map<int, int> messages_to, tasks_to;  // by worker rank: task messages, and tasks in them
  std::shared_ptr<test::Network> net;
  test::TestComm server_comm;
  std::vector<test::TestComm> worker_comms;
  std::unique_ptr<store::Store> store;
};

ResultMsg ok_result(double objective) {
  ResultMsg r;
  r.has_objective = true;
  r.objective = objective;
  r.result = "{\"val_loss\":" + std::to_string(objective) + "}";
  r.start_time = 1;
  r.end_time = 2;
  return r;
}

std::vector<core::Json> tuples(int n) {
  std::vector<core::Json> out;
  for (int i = 0; i < n; ++i) out.push_back(core::Json{{"x", i}});
  return out;
}

}  // namespace

TEST_CASE("a sweep's tuples all run, spread over the workers, and land in the store as done") {
  Job job(2);
  SweepWorkflow wf(tuples(10));
  Server s(job.server_comm, *job.store, wf, ServerOptions{});
  std::map<int, int> per_worker;
  job.drive(s, [&](int w, const TaskMsg& t) {
    ++per_worker[w];
    return ok_result(core::Json::parse(t.params)["x"].get<double>());
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

TEST_CASE("a failing task is retried up to model.retries, then marked failed with its error; the rest go on") {
  Job job(1);
  SweepWorkflow wf(tuples(3));
  ServerOptions opts;
  opts.models = {ModelInfo{"m", 2}};
  Server s(job.server_comm, *job.store, wf, opts);
  int calls_for_bad = 0;
  job.drive(s, [&](int, const TaskMsg& t) {
    if (t.node_id == "2") {
      ++calls_for_bad;
      ResultMsg r;
      r.status = balancer::TaskStatusCode::failed;
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

TEST_CASE("progress messages become per-epoch metric rows") {
  Job job(1);
  SweepWorkflow wf(tuples(1));
  Server s(job.server_comm, *job.store, wf, ServerOptions{});
  job.drive(s, [&](int w, const TaskMsg& t) {
    for (int e = 1; e <= 3; ++e)
      job.worker_comms[0].send(0, balancer::encode(balancer::ProgressMsg{
                                      t.task_id, 1.0 * e, "{\"epoch\":" + std::to_string(e) + ",\"loss\":0.5}"}));
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
  Server s(job.server_comm, *job.store, wf, ServerOptions{});
  s.start();
  s.on_message(1, balancer::encode(balancer::FatalMsg{"cannot import numpy"}));
  CHECK(s.finished());
}

TEST_CASE("a result for a task the worker does not hold is ignored") {
  Job job(1);
  SweepWorkflow wf(tuples(1));
  Server s(job.server_comm, *job.store, wf, ServerOptions{});
  s.start();
  s.on_message(1, balancer::encode(balancer::HelloMsg{"h", 1}));
  ResultMsg r = ok_result(1);
  r.task_id = 1;
  s.on_message(1, balancer::encode(r));  // not dispatched yet
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
    parent_result = g.node(index).result;
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
  Server s(job.server_comm, *job.store, wf, ServerOptions{});
  std::vector<std::string> order;
  job.drive(s, [&](int, const TaskMsg& t) {
    order.push_back(t.node_id);
    return ok_result(1);
  });
  REQUIRE(order.size() == 3);
  CHECK(order[0] == "p");
  CHECK(wf.parent_result == R"({"val_loss":1.000000})");
  CHECK(job.store->counts().done == 3);
}

TEST_CASE("short tasks are prefetched several to a message; tasks that take long go out one at a time") {
  auto run = [](double task_seconds) {
    Job job(1);
    SweepWorkflow wf(tuples(400));
    Server s(job.server_comm, *job.store, wf, ServerOptions{});
    job.drive(s, [&](int, const TaskMsg&) {
      ResultMsg r = ok_result(1);
      r.end_time = r.start_time + task_seconds;
      return r;
    });
    CHECK(job.store->counts().done == 400);
    return std::make_pair(job.messages_to[1], job.tasks_to[1]);
  };
  auto [short_messages, short_tasks] = run(1e-6);
  CHECK(short_tasks == 400);
  CHECK(short_messages < 40);  // 64 tasks a message once the first results show how short they are
  auto [long_messages, long_tasks] = run(0.5);
  CHECK(long_tasks == 400);
  CHECK(long_messages == 400);
}

TEST_CASE("every state of a task reaches the store only when the server flushes, as one row") {
  Job job(1);
  SweepWorkflow wf(tuples(1));
  Server s(job.server_comm, *job.store, wf, ServerOptions{});
  s.start();
  s.on_message(1, balancer::encode(balancer::HelloMsg{"h", 1}));
  s.pump();
  job.store->flush();
  CHECK(job.store->counts().total() == 0);  // not handed over yet
  s.flush();
  CHECK(job.store->counts().running == 1);
  ResultMsg r = ok_result(0.25);
  r.task_id = 1;
  s.on_message(1, balancer::encode(r));
  s.flush();
  auto row = job.store->task_by_node("1");
  REQUIRE(row);
  CHECK(row->status == store::TaskStatus::done);
  CHECK(row->result == R"({"val_loss":0.250000})");
  CHECK(row->objective == Approx(0.25));
  CHECK(row->start_time == 1);
  CHECK(row->result_seq == 1);
}

TEST_CASE("a worker declared lost is not sent the shutdown: it may be on a dead node, where a send can hang") {
  Job job(2);
  SweepWorkflow wf(tuples(6));
  ServerOptions options;
  Server s(job.server_comm, *job.store, wf, options);
  s.start();
  for (auto& w : job.worker_comms)
    w.send(0, balancer::encode(balancer::HelloMsg{"host" + std::to_string(w.rank()), 1}));
  int src;
  std::string bytes;
  while (job.server_comm.try_receive(src, bytes)) s.on_message(src, bytes);
  s.pump();
  // Worker 2 gives itself up over its first task (as a worker whose task is stuck does): it is lost.
  std::uint64_t held = 0;
  while (job.worker_comms[1].try_receive(src, bytes))
    balancer::decode_each(bytes, [&](balancer::Message&& m) {
      if (auto* t = std::get_if<TaskMsg>(&m); t && held == 0) held = t->task_id;
    });
  REQUIRE(held != 0);
  job.worker_comms[1].send(0, balancer::encode(balancer::RetireMsg{held, "stuck"}));
  job.serve(s, [&](int, const TaskMsg& t) { return ok_result(core::Json::parse(t.params)["x"].get<double>()); });
  REQUIRE(s.finished());

  s.shutdown_workers();
  std::map<int, int> shutdowns;
  for (auto& w : job.worker_comms)
    while (w.try_receive(src, bytes))
      balancer::decode_each(bytes, [&](balancer::Message&& m) {
        if (std::holds_alternative<balancer::ShutdownMsg>(m)) ++shutdowns[w.rank()];
      });
  CHECK(shutdowns[1] == 1);
  CHECK(shutdowns[2] == 0);
}

namespace {
// What the server sent `worker` so far: task ids and per-task stops.
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> sent_to(test::TestComm& worker) {
  std::vector<std::uint64_t> tasks, stops;
  int src;
  std::string bytes;
  while (worker.try_receive(src, bytes))
    balancer::decode_each(bytes, [&](balancer::Message&& m) {
      if (auto* t = std::get_if<TaskMsg>(&m)) tasks.push_back(t->task_id);
      if (auto* s = std::get_if<balancer::StopTaskMsg>(&m)) stops.push_back(s->task_id);
    });
  return {tasks, stops};
}

std::string epoch_report(int epoch, double loss) {
  return "{\"epoch\":" + std::to_string(epoch) + ",\"loss\":" + std::to_string(loss) + "}";
}
}  // namespace

TEST_CASE("a pruner's stop decision stops that task only, and its pruned result is final and survives a resume") {
  Job job(1);
  prune::PrunerOptions pruner;
  pruner.kind = prune::PrunerKind::asha;
  pruner.metrics = {{"loss", prune::Goal::minimize}};
  ServerOptions options;
  options.slots_per_worker = 3;  // the worker runs all three at once
  {
    SweepWorkflow wf(tuples(3));
    Server s(job.server_comm, *job.store, wf, options);
    s.set_pruning(make_pruning(pruner, *job.store));
    s.start();
    s.on_message(1, balancer::encode(balancer::HelloMsg{"h", 1}));
    s.pump();
    CHECK(sent_to(job.worker_comms[0]).first == std::vector<std::uint64_t>{1, 2, 3});
    s.on_message(1, balancer::encode(balancer::ProgressMsg{1, 1.0, epoch_report(1, 0.1)}));
    s.on_message(1, balancer::encode(balancer::ProgressMsg{2, 1.0, epoch_report(1, 0.9)}));  // worse at rung 0
    CHECK(sent_to(job.worker_comms[0]).second == std::vector<std::uint64_t>{2});
    CHECK_FALSE(s.stop_task(2));  // once
    CHECK_FALSE(s.stop_task(3));  // never reported an epoch: never stopped
    ResultMsg r;
    r.task_id = 2;
    r.status = balancer::TaskStatusCode::pruned;
    r.has_objective = true;
    r.objective = 0.9;
    r.result = R"({"pruned":true,"epoch":1})";
    s.on_message(1, balancer::encode(r));
    s.flush();
    auto pruned = job.store->tasks_with_status(store::TaskStatus::pruned);
    REQUIRE(pruned.size() == 1);
    CHECK(pruned[0].node_id == "2");
    CHECK(pruned[0].objective == 0.9);
    CHECK(pruned[0].result == R"({"pruned":true,"epoch":1})");
    CHECK(pruned[0].result_seq > 0);
    auto decisions = job.store->prune_decisions();
    REQUIRE(decisions.size() == 2);
    CHECK_FALSE(decisions[0].stop);
    CHECK(decisions[1].stop);
    CHECK(decisions[1].node_id == "2");
    CHECK(decisions[1].rung_values == "[[0.1]]");
  }
  // A new session of the same run: the pruned task is finished, the others run again.
  SweepWorkflow wf(tuples(3));
  Server s(job.server_comm, *job.store, wf, options);
  s.restore(job.store->tasks());
  s.set_pruning(make_pruning(pruner, *job.store));
  s.start();
  s.on_message(1, balancer::encode(balancer::HelloMsg{"h", 1}));
  s.pump();
  CHECK(sent_to(job.worker_comms[0]).first == std::vector<std::uint64_t>{1, 3});
  // The rebuilt pruner remembers task 1 at rung 0: a newcomer worse than it is stopped at once.
  s.on_message(1, balancer::encode(balancer::ProgressMsg{3, 1.0, epoch_report(1, 0.5)}));
  CHECK(sent_to(job.worker_comms[0]).second == std::vector<std::uint64_t>{3});
}
