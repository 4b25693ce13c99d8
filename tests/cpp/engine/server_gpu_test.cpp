// The server's two GPU events, through the dispatcher with a real store: a worker's hello records the
// devices it was bound to (so each task it runs shows them), and another node's GPU readings go to
// ServerOptions::on_gpu_samples.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "../support/temp_store.hpp"
#include "../support/test_comm.hpp"
#include "balancer/dispatcher.hpp"
#include "balancer/protocol.hpp"
#include "engine/server.hpp"
#include "engine/sweep.hpp"
#include "store/store.hpp"

using namespace sv;
using namespace sv::engine;

namespace {
std::unique_ptr<store::Store> temp_store() {
  auto s = test::temp_store("sv-server-gpu-test");
  store::SessionInfo session;
  session.started = 1;  // before any dispatch
  s->begin_session(session);
  return s;
}

std::vector<core::Json> two_tuples() { return {core::Json{{"x", 1}}, core::Json{{"x", 2}}}; }
}  // namespace

TEST_CASE("a task records the device of the worker that ran it, from the worker's hello", "[engine][gpu]") {
  auto net = std::make_shared<test::Network>(3);
  test::TestComm server_comm(net, 0);
  balancer::Dispatcher dispatcher(server_comm);
  auto store = temp_store();
  SweepWorkflow wf(two_tuples());
  Server s(dispatcher, *store, wf, ServerOptions{});
  s.start();
  dispatcher.on_hello(1, "node1", 11, "2");
  dispatcher.on_hello(2, "node1", 12, "3");
  for (int round = 0; round < 100 && !s.finished(); ++round) {
    s.pump();
    for (int w = 1; w <= 2; ++w) {
      std::vector<std::uint64_t> held(dispatcher.tasks_of(w).begin(), dispatcher.tasks_of(w).end());
      for (auto id : held) {
        core::TaskResult r;
        r.result = "{}";
        r.start_time = 2;
        r.end_time = 3;
        dispatcher.on_result(w, id, std::move(r));
      }
    }
  }
  REQUIRE(s.finished());
  s.flush();
  auto workers = store->workers();
  REQUIRE(workers.size() == 2);
  CHECK(workers[0].devices == "2");
  CHECK(workers[1].pid == 12);
  auto devices = store->task_devices();
  REQUIRE(devices.size() == 2);
  for (const auto& t : store->tasks()) CHECK(devices.at(t.id) == (t.worker == 1 ? "2" : "3"));
}

TEST_CASE("another node's GPU readings reach on_gpu_samples as sent", "[engine][gpu]") {
  auto net = std::make_shared<test::Network>(2);
  test::TestComm server_comm(net, 0);
  balancer::Dispatcher dispatcher(server_comm);
  auto store = temp_store();
  SweepWorkflow wf(two_tuples());
  std::vector<std::string> got;
  ServerOptions options;
  options.on_gpu_samples = [&got](std::string_view payload) { got.emplace_back(payload); };
  Server s(dispatcher, *store, wf, options);
  s.start();
  dispatcher.on_message(1, balancer::encode(balancer::GpuSamplesMsg{R"({"host":"node2","rows":[]})"}));
  REQUIRE(got.size() == 1);
  CHECK(got[0] == R"({"host":"node2","rows":[]})");
}
