// The worker loop over an in-memory Comm: what goes back to the server, and in how many messages.
#include <catch2/catch.hpp>

#include "../support/test_comm.hpp"
#include "balancer/protocol.hpp"
#include "balancer/worker_loop.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace sv;
using namespace sv::balancer;

namespace {
// (messages, result records) the server received after the worker's hello.
std::pair<int, int> results_at_server(test::TestComm& server) {
  int messages = 0, results = 0, source = 0;
  std::string bytes;
  while (server.try_receive(source, bytes)) {
    int here = 0;
    decode_each(bytes, [&](Message&& m) { here += std::holds_alternative<ResultMsg>(m); });
    results += here;
    messages += here > 0;
  }
  return {messages, results};
}

sv::core::TaskResult ok(const TaskMsg&) { return {}; }
}  // namespace

TEST_CASE("prefetched tasks' results go back together, at most max_unsent_results to a message") {
  auto net = std::make_shared<test::Network>(2);
  test::TestComm server(net, 0), worker(net, 1);
  std::string batch;
  for (std::uint64_t id = 1; id <= 40; ++id) append_task(batch, id, 0, 1, std::to_string(id), "{}");
  server.send(1, batch);
  server.send(1, encode(ShutdownMsg{}));
  WorkerOptions options;
  options.max_unsent_results = 16;
  CHECK(run_worker(worker, ok, options) == 40);
  auto [messages, results] = results_at_server(server);
  CHECK(results == 40);
  CHECK(messages == 3);  // 16 + 16 + 8
}

namespace {
// A worker-side Comm whose server answers the first result with one more task, then shutdown.
class AnsweringComm : public test::TestComm {
 public:
  using TestComm::TestComm;
  void send(int dest, std::string_view bytes) override {
    TestComm::send(dest, bytes);
    if (std::holds_alternative<ResultMsg>(decode_record(bytes, pos_ = 0)) && !answered_) {
      answered_ = true;
      server_.send(1, encode(TaskMsg{2, 0, 1, "2", "{}"}));
      server_.send(1, encode(ShutdownMsg{}));
    }
  }
  test::TestComm server_{nullptr, 0};

 private:
  std::size_t pos_ = 0;
  bool answered_ = false;
};
}  // namespace

TEST_CASE("a result goes back at once when no other task is queued") {
  auto net = std::make_shared<test::Network>(2);
  test::TestComm server(net, 0);
  AnsweringComm worker(net, 1);
  worker.server_ = server;
  server.send(1, encode(TaskMsg{1, 0, 1, "1", "{}"}));
  CHECK(run_worker(worker, ok, WorkerOptions{}) == 2);
  auto [messages, results] = results_at_server(server);
  CHECK(results == 2);
  CHECK(messages == 2);  // the first result did not wait for the second task
}

namespace {
// TestComm is not thread-safe; the worker's listener thread receives while the task (the test) sends.
class LockedComm : public test::TestComm {
 public:
  LockedComm(std::shared_ptr<test::Network> net, int rank, std::mutex& m) : TestComm(std::move(net), rank), m_(m) {}
  void send(int dest, std::string_view bytes) override {
    std::lock_guard<std::mutex> l(m_);
    TestComm::send(dest, bytes);
  }
  bool try_receive(int& source, std::string& bytes) override {
    std::lock_guard<std::mutex> l(m_);
    return TestComm::try_receive(source, bytes);
  }

 private:
  std::mutex& m_;
};
}  // namespace

TEST_CASE("a stop for the running task reaches it while it runs, and later messages are still taken in order") {
  auto net = std::make_shared<test::Network>(2);
  std::mutex m;
  LockedComm server(net, 0, m), worker(net, 1, m);
  server.send(1, encode(TaskMsg{1, 0, 1, "1", "{}"}));
  std::atomic<std::uint64_t> stopped{0};
  std::vector<std::uint64_t> ran;
  auto execute = [&](const TaskMsg& t) {
    ran.push_back(t.task_id);
    if (t.task_id == 1) {
      // As the server does on a progress report: a stop for another task, one for this one, then more work.
      server.send(1, encode(StopTaskMsg{99}));
      server.send(1, encode(StopTaskMsg{1}));
      server.send(1, encode(TaskMsg{2, 0, 1, "2", "{}"}));
      server.send(1, encode(ShutdownMsg{}));
      for (int i = 0; i < 20000 && stopped.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    sv::core::TaskResult r;
    r.outcome = t.task_id == 1 && stopped.load() == 1 ? sv::core::Outcome::pruned : sv::core::Outcome::ok;
    return r;
  };
  WorkerOptions options;
  options.on_stop_task = [&](std::uint64_t id) { stopped.store(id); };
  options.listen_interval_us = 200;
  CHECK(run_worker(worker, execute, options) == 2);
  CHECK(stopped.load() == 1);
  CHECK(ran == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("a stop for a task that already ended is ignored") {
  auto net = std::make_shared<test::Network>(2);
  std::mutex m;
  LockedComm server(net, 0, m), worker(net, 1, m);
  server.send(1, encode(StopTaskMsg{1}));
  server.send(1, encode(TaskMsg{1, 0, 1, "1", "{}"}));
  server.send(1, encode(ShutdownMsg{}));
  bool called = false;
  WorkerOptions options;
  options.on_stop_task = [&](std::uint64_t) { called = true; };
  CHECK(run_worker(worker, ok, options) == 1);
  CHECK_FALSE(called);
}
