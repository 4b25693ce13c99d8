// The dispatcher over an in-memory Comm: workers are TestComm endpoints that speak the real wire format,
// and the engine is a recorder of DispatchEvents.
#include <catch2/catch.hpp>

#include <map>

#include "../support/test_comm.hpp"
#include "balancer/dispatcher.hpp"
#include "balancer/protocol.hpp"
#include "core/clock.hpp"

using namespace sv;
using namespace sv::balancer;

namespace {

// The engine's side, recorded: tasks 1..n to send, with params "{}".
struct Recorder : DispatchEvents {
  std::vector<std::uint64_t> sent, results;
  std::vector<ReturnedTasks> returned;
  std::vector<std::string> fatals, progress;
  std::string node_id = "n", params = "{}";
  TaskToSend on_task_sent(std::uint64_t id, int) override {
    sent.push_back(id);
    return TaskToSend{0, 1, node_id, params};
  }
  void on_task_result(std::uint64_t id, int, core::TaskResult&&) override { results.push_back(id); }
  void on_task_progress(std::uint64_t, int, double, std::string&& payload) override { progress.push_back(payload); }
  void on_tasks_returned(ReturnedTasks&& r) override { returned.push_back(std::move(r)); }
  void on_worker_fatal(int, const std::string& m) override { fatals.push_back(m); }
};

struct Job {
  explicit Job(int workers, DispatcherOptions options = {})
      : net(std::make_shared<test::Network>(workers + 1)), server(net, 0), dispatcher(server, options) {
    for (int r = 1; r <= workers; ++r) worker_comms.emplace_back(net, r);
    dispatcher.attach(events);
  }
  void hello_all() {
    for (auto& w : worker_comms) w.send(0, encode(HelloMsg{"host" + std::to_string(w.rank()), 100 + w.rank()}));
    dispatcher.poll(1000);
  }
  void enqueue(std::uint64_t first, std::uint64_t last) {
    for (auto id = first; id <= last; ++id) dispatcher.enqueue(ReadyTask{id, 0, -1});
  }
  // Both workers say hello and get one task each (1 and 2), which they have received.
  void start_two_tasks() {
    hello_all();
    enqueue(1, 2);
    dispatcher.dispatch_ready();
    received(1);
    received(2);
  }
  // What a worker received since the last look: messages, and the records in them.
  std::vector<std::vector<Message>> received(int rank) {
    std::vector<std::vector<Message>> out;
    int src;
    std::string bytes;
    while (worker_comms[rank - 1].try_receive(src, bytes)) {
      out.emplace_back();
      decode_each(bytes, [&](Message&& m) { out.back().push_back(std::move(m)); });
    }
    return out;
  }
  // Each worker answers every task it received with a result that took `task_s`; until nothing is in flight.
  void answer_all(double task_s) {
    for (int round = 0; round < 100000 && (dispatcher.in_flight_count() > 0 || pending > 0); ++round) {
      for (auto& w : worker_comms) {
        for (auto& message : received(w.rank())) {
          ++messages_to[w.rank()];
          std::string batch;
          for (auto& m : message) {
            auto* t = std::get_if<TaskMsg>(&m);
            if (!t) continue;
            ++tasks_to[w.rank()];
            core::TaskResult r;
            r.start_time = 1;
            r.end_time = 1 + task_s;
            append(ResultMsg{t->task_id, r}, batch);
          }
          if (!batch.empty()) w.send(0, batch);
        }
      }
      dispatcher.poll(1000);
      pending = 0;
      dispatcher.dispatch_ready();
    }
  }
  int pending = 1;
  std::map<int, int> messages_to, tasks_to;
  std::shared_ptr<test::Network> net;
  test::TestComm server;
  std::vector<test::TestComm> worker_comms;
  Recorder events;
  Dispatcher dispatcher;
};

}  // namespace

TEST_CASE("ready tasks go out to the workers that said hello, and their results come back as events") {
  Job job(2);
  job.hello_all();
  CHECK(job.dispatcher.worker_count() == 2);
  CHECK(job.dispatcher.worker(2).host == "host2");
  CHECK(job.dispatcher.worker(2).pid == 102);
  job.enqueue(1, 4);
  job.answer_all(0.5);
  CHECK(job.events.results.size() == 4);
  CHECK(job.tasks_to[1] == 2);
  CHECK(job.tasks_to[2] == 2);
}

TEST_CASE("short tasks are prefetched several to a message; tasks that take long go out one at a time") {
  auto run = [](double task_seconds) {
    Job job(1);
    job.hello_all();
    job.enqueue(1, 400);
    job.answer_all(task_seconds);
    CHECK(job.events.results.size() == 400);
    return std::make_pair(job.messages_to[1], job.tasks_to[1]);
  };
  auto [short_messages, short_tasks] = run(1e-6);
  CHECK(short_tasks == 400);
  CHECK(short_messages < 40);  // 64 tasks a message once the first results show how short they are
  auto [long_messages, long_tasks] = run(0.5);
  CHECK(long_tasks == 400);
  CHECK(long_messages == 400);
}

TEST_CASE("the tasks a worker may hold go out to it in one message (the outbox), not one message each") {
  DispatcherOptions options;
  options.slots_per_worker = 4;
  Job job(1, options);
  job.hello_all();
  job.enqueue(1, 4);
  CHECK(job.dispatcher.dispatch_ready() == 4);
  auto got = job.received(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].size() == 4);
}

TEST_CASE("a worker not heard from for lost_after_s is lost: its tasks come back, its late words are ignored") {
  DispatcherOptions options;
  options.lost_after_s = 30;
  Job job(2, options);  // rank 1 never says a word: a rank never heard from is not declared lost
  job.worker_comms[1].send(0, encode(HelloMsg{"host2", 102}));
  job.dispatcher.poll(10);
  job.enqueue(1, 2);
  job.dispatcher.dispatch_ready();
  auto held = job.dispatcher.tasks_of(2);
  REQUIRE(held.size() == 1);
  const std::uint64_t task = *held.begin();
  CHECK(job.dispatcher.worker_of(task) == 2);

  const double heard = job.dispatcher.worker(2).last_heard;
  job.dispatcher.check_lost_workers(heard + 29);
  CHECK(job.events.returned.empty());  // not yet
  job.dispatcher.check_lost_workers(heard + 31);
  REQUIRE(job.events.returned.size() == 1);
  const auto& r = job.events.returned[0];
  CHECK(r.worker == 2);
  CHECK(std::string(r.kind) == "lost");
  CHECK(r.who == "worker rank 2 on host2");
  CHECK(r.why.find("stopped answering") == 0);
  CHECK(r.tasks == std::vector<std::uint64_t>{task});
  CHECK(job.dispatcher.worker(2).lost);
  CHECK(!job.dispatcher.worker_of(task));
  CHECK(job.dispatcher.lost_count() == 1);
  CHECK(job.dispatcher.lost_processes() == std::vector<std::pair<std::string, std::int64_t>>{{"host2", 102}});

  // Its result arrives after all: ignored (the task runs elsewhere), and it is lost once only.
  job.worker_comms[1].send(0, encode(ResultMsg{task, {}}));
  job.dispatcher.poll(10);
  CHECK(job.events.results.empty());
  job.dispatcher.check_lost_workers(heard + 1000);
  CHECK(job.events.returned.size() == 1);
}

TEST_CASE("a worker that retires over a stuck task: that task's attempt fails, the worker is lost") {
  Job job(2);
  job.start_two_tasks();
  const std::uint64_t task = *job.dispatcher.tasks_of(2).begin();
  job.worker_comms[1].send(0, encode(RetireMsg{task, "stuck in C code"}));
  job.dispatcher.poll(10);
  CHECK(job.events.results == std::vector<std::uint64_t>{task});
  REQUIRE(job.events.returned.size() == 1);
  CHECK(job.events.returned[0].tasks.empty());  // the stuck one ended as a failure, not returned
  CHECK(job.dispatcher.worker_count() == 1);
}

TEST_CASE("a worker declared lost is not sent the shutdown: it may be on a dead node, where a send can hang") {
  Job job(2);
  job.hello_all();
  job.dispatcher.release_worker(2, "stopped answering", "lost");
  job.dispatcher.shutdown_workers();
  auto shutdowns = [&](int rank) {
    int n = 0;
    for (auto& message : job.received(rank))
      for (auto& m : message) n += std::holds_alternative<ShutdownMsg>(m);
    return n;
  };
  CHECK(shutdowns(1) == 1);
  CHECK(shutdowns(2) == 0);
}

TEST_CASE("with the gate closed (a drain) nothing is dispatched; busy workers can be released with their tasks") {
  Job job(2);
  job.start_two_tasks();
  job.enqueue(3, 4);
  job.worker_comms[0].send(0, encode(ResultMsg{*job.dispatcher.tasks_of(1).begin(), {}}));
  job.dispatcher.poll(10);
  job.dispatcher.close_gate();
  CHECK(job.dispatcher.dispatch_ready() == 0);
  CHECK(job.received(1).empty());  // a free slot, ready tasks, and still nothing goes out
  job.dispatcher.release_busy_workers("was still running", "drain");
  REQUIRE(job.events.returned.size() == 1);  // only worker 2 held a task
  CHECK(job.events.returned[0].worker == 2);
  CHECK(std::string(job.events.returned[0].kind) == "drain");
  CHECK(job.dispatcher.in_flight_count() == 0);
}

TEST_CASE("a control message reaches the worker running a task, and no one for a task not running") {
  Job job(2);
  job.start_two_tasks();
  const std::uint64_t on_2 = *job.dispatcher.tasks_of(2).begin();
  CHECK(job.dispatcher.send_to_task(on_2, encode(ShutdownMsg{})));
  CHECK(job.received(1).empty());
  CHECK(job.received(2).size() == 1);
  CHECK(!job.dispatcher.send_to_task(99, encode(ShutdownMsg{})));
}

TEST_CASE("progress and fatal messages are handed up as they come") {
  Job job(1);
  job.hello_all();
  job.worker_comms[0].send(0, encode(ProgressMsg{1, 2.0, R"({"epoch":1})"}));
  job.worker_comms[0].send(0, encode(FatalMsg{"no numpy"}));
  job.dispatcher.poll(10);
  CHECK(job.events.progress == std::vector<std::string>{R"({"epoch":1})"});
  CHECK(job.events.fatals == std::vector<std::string>{"no numpy"});
}
