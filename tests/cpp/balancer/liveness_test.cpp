// The liveness channel over real loopback sockets: a worker's connection that ends is reported once, with
// its rank; a connection that never said the run's token is not.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <thread>

#include "balancer/liveness.hpp"

using namespace sv::balancer;

namespace {

// poll() until something is reported (bounded; the kernel delivers loopback EOF at once).
std::vector<std::pair<int, std::string>> poll_until_reported(LivenessServer& server) {
  for (int i = 0; i < 200; ++i) {
    auto got = server.poll();
    if (!got.empty()) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

}  // namespace

TEST_CASE("a worker whose process ends is reported by rank at once, those alive are not") {
  LivenessServer server;
  std::optional<LivenessClient> three(std::in_place, server.address(), 3);
  LivenessClient four(server.address(), 4);
  REQUIRE(three->connected());
  REQUIRE(four.connected());
  for (int i = 0; i < 20; ++i) CHECK(server.poll().empty());  // both alive: nothing to say

  three.reset();  // as the kernel closes a killed process's socket
  auto dropped = poll_until_reported(server);
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].first == 3);
  CHECK(dropped[0].second.find("EOF") != std::string::npos);
  CHECK(server.poll().empty());  // reported once
}

TEST_CASE("a connection without the run's token is not taken for a worker") {
  LivenessServer server;
  const std::string address = server.address();
  std::optional<LivenessClient> stray(std::in_place, "0000" + address.substr(address.find('@')), 5);
  REQUIRE(stray->connected());
  for (int i = 0; i < 20; ++i) server.poll();
  stray.reset();
  for (int i = 0; i < 20; ++i) CHECK(server.poll().empty());
}

TEST_CASE("an address that does not answer leaves the worker without a connection, and says so") {
  LivenessServer server;
  std::string address = server.address();
  address = address.substr(0, address.find('@') + 1) + "127.0.0.1:1";  // nothing listens on port 1
  LivenessClient client(address, 2);
  CHECK_FALSE(client.connected());
}
