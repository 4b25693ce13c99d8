// The worker loop over an in-memory Comm: what goes back to the server, and in how many messages.
#include <catch2/catch.hpp>

#include "../support/test_comm.hpp"
#include "balancer/protocol.hpp"
#include "balancer/worker_loop.hpp"

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
