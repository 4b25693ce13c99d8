// The optimizer queues (eq/queues.hpp) with a real optimizer thread: nothing it puts is lost behind its
// end, and a busy, silent optimizer is reported hung once.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "core/json_util.hpp"
#include "eq/queues.hpp"

using namespace sv;

TEST_CASE("an optimizer's last messages are received before its end, whatever the interleaving") {
  for (int round = 0; round < 200; ++round) {
    eq::Queues q;
    q.reset(0, "the test optimizer");
    std::thread optimizer([&] {
      q.put("result-answered");
      q.put(R"({"type": "abort", "message": "crashed"})");
      q.mark_ended();
    });
    std::vector<std::string> got;
    std::string m;
    while (true) {
      eq::Received r = q.receive(m, 5.0);
      if (r == eq::Received::ended) break;
      if (r == eq::Received::message) got.push_back(m);
    }
    optimizer.join();
    REQUIRE(got.size() == 2);
    CHECK(got[1].find("crashed") != std::string::npos);
    CHECK(q.receive(m, 0) == eq::Received::ended);
  }
}

TEST_CASE("a closed queue wakes an optimizer waiting for a message, after what was sent before") {
  eq::Queues q;
  q.reset(0, "the test optimizer");
  q.send("stop");
  q.close();
  auto first = q.get();
  REQUIRE(first);
  CHECK(*first == "stop");
  CHECK_FALSE(q.get());
}

TEST_CASE("a busy optimizer silent past the hang timeout is reported hung, once") {
  eq::Queues q;
  q.reset(0.05, "the test optimizer");
  std::string m;
  REQUIRE(q.receive(m, 60.0) == eq::Received::message);  // returns at the hang, long before the 60 s net
  auto j = core::Json::parse(m);
  CHECK(j["type"] == "abort");
  CHECK(j["message"].get<std::string>().find("the test optimizer hung") != std::string::npos);
  CHECK(j["message"].get<std::string>().find("optimizer.options.hang_timeout") != std::string::npos);
  CHECK(q.receive(m, 0) == eq::Received::ended);
}
