// The protocol's GPU parts: a hello carries the worker's devices, and a GpuSamplesMsg its payload whole.
#include <catch2/catch.hpp>

#include "balancer/protocol.hpp"

using namespace sv::balancer;

TEST_CASE("a hello carries the devices the worker was bound to", "[balancer][gpu]") {
  auto h = std::get<HelloMsg>(decode(encode(HelloMsg{"node7", 1234, "2,3"})));
  CHECK(h.host == "node7");
  CHECK(h.pid == 1234);
  CHECK(h.devices == "2,3");
  CHECK(std::get<HelloMsg>(decode(encode(HelloMsg{"node7", 1, ""}))).devices.empty());
}

TEST_CASE("GPU readings travel as one opaque payload", "[balancer][gpu]") {
  const std::string payload = R"({"host":"n2","rows":[[1.5,0,"GPU-a",0.5,1,2]]})";
  CHECK(std::get<GpuSamplesMsg>(decode(encode(GpuSamplesMsg{payload}))).payload == payload);
  std::string two;
  append(GpuSamplesMsg{payload}, two);
  append(HeartbeatMsg{}, two);
  int n = 0;
  decode_each(two, [&](Message&& m) { n += std::holds_alternative<GpuSamplesMsg>(m) || std::holds_alternative<HeartbeatMsg>(m); });
  CHECK(n == 2);
}
