// Telemetry from every node, without a GPU: a fake sample source stands in for NVML, a leader worker's
// sink encodes each round of readings as it would for rank 0, and rank 0's inbox writes them with the
// sending worker's host into gpu_samples.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/errors.hpp"
#include "store/store.hpp"
#include "telemetry/gpu_sampler.hpp"
#include "telemetry/sample_wire.hpp"

using namespace sv::telemetry;

namespace {
std::vector<GpuReading> two_gpus() {
  return {GpuReading{0, "GPU-aaaa", 0.75, 1 << 20, 1 << 30}, GpuReading{1, "GPU-bbbb", 0.25, 2 << 20, 1 << 30}};
}
}  // namespace

TEST_CASE("a leader worker's sampler hands each round of readings to its sink", "[telemetry]") {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> sent;
  {
    GpuSampler sampler(GpuSampler::Source(two_gpus), 0.01, [&](std::vector<TimedReading> readings) {
      std::lock_guard<std::mutex> lock(m);
      sent.push_back(encode_readings("node1", readings));
      cv.notify_all();
    });
    CHECK(sampler.active());
    std::unique_lock<std::mutex> lock(m);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return sent.size() >= 2; }));
    CHECK(sampler.take().empty());  // with a sink nothing is kept
  }
  auto [host, readings] = decode_readings(sent.front());
  CHECK(host == "node1");
  REQUIRE(readings.size() == 2);
  CHECK(readings[1].gpu.index == 1);
  CHECK(readings[1].gpu.uuid == "GPU-bbbb");
  CHECK(readings[1].gpu.busy == 0.25);
  CHECK(readings[1].gpu.memory_used == 2 << 20);
  CHECK(readings[0].time > 0);
}

TEST_CASE("rank 0 writes other nodes' readings with their host beside its own", "[telemetry]") {
  char pattern[] = "/tmp/sv_telemetry_test_XXXXXX";
  REQUIRE(mkdtemp(pattern));
  const std::string path = std::string(pattern) + "/run.db";
  {
    sv::store::RunInfo run;
    run.name = "t";
    run.workflow = "sweep";
    auto store = sv::store::Store::create(path, run);
    SampleInbox inbox;
    inbox.write_to(*store);  // nothing yet: no table made
    CHECK(store->gpu_samples().empty());
    inbox.add("node0", {TimedReading{100.0, two_gpus()[0]}});
    inbox.add_payload(encode_readings("node1", {TimedReading{101.0, two_gpus()[1]}}));
    CHECK(inbox.size() == 2);
    inbox.write_to(*store);
    CHECK(inbox.size() == 0);
    auto rows = store->gpu_samples();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].host == "node0");
    CHECK(rows[1].host == "node1");
    CHECK(rows[1].gpu == 1);
    CHECK(rows[1].uuid == "GPU-bbbb");
    CHECK(rows[1].memory_total == 1 << 30);
  }
  std::filesystem::remove_all(pattern);
}

TEST_CASE("a payload that is not readings is a protocol error", "[telemetry]") {
  SampleInbox inbox;
  CHECK_THROWS_AS(inbox.add_payload("{}"), sv::core::CommError);
  CHECK_THROWS_AS(inbox.add_payload(R"({"host": "n", "rows": [[1, 0]]})"), sv::core::CommError);
  CHECK_THROWS_AS(inbox.add_payload(R"({"rows": []})"), sv::core::CommError);
  CHECK_THROWS_AS(inbox.add_payload("not json"), sv::core::CommError);
  CHECK(inbox.size() == 0);
}

TEST_CASE("one sampler per node: the server on its node, local rank 0 on the others", "[telemetry]") {
  CHECK(samples_its_node(0, 0));
  CHECK(samples_its_node(0, std::nullopt));
  CHECK_FALSE(samples_its_node(1, 1));    // a worker on the server's node
  CHECK(samples_its_node(5, 0));          // the first worker of another node
  CHECK_FALSE(samples_its_node(6, 1));
  CHECK_FALSE(samples_its_node(3, std::nullopt));  // no node-local rank: the launcher is unknown
}
