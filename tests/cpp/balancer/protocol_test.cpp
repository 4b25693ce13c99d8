#include <catch2/catch.hpp>

#include "balancer/protocol.hpp"
#include "core/errors.hpp"

using namespace sv::balancer;

TEST_CASE("every message survives an encode/decode round trip") {
  TaskMsg t{42, 3, 2, "1.2.3", R"({"lr":0.1})"};
  auto t2 = std::get<TaskMsg>(decode(encode(t)));
  CHECK(t2.task_id == 42);
  CHECK(t2.model == 3);
  CHECK(t2.attempt == 2);
  CHECK(t2.node_id == "1.2.3");
  CHECK(t2.params == R"({"lr":0.1})");

  ResultMsg r;
  r.task_id = 7;
  r.result.outcome = sv::core::Outcome::failed;
  r.result.objective = 0.25;
  r.result.start_time = 1.5;
  r.result.end_time = 2.5;
  r.result.result = "{}";
  r.result.error = "boom\n\ntraceback";
  auto r2 = std::get<ResultMsg>(decode(encode(r)));
  CHECK(r2.task_id == 7);
  CHECK(r2.result.outcome == sv::core::Outcome::failed);
  CHECK(r2.result.objective.has_value());
  CHECK(r2.result.objective == 0.25);
  CHECK(r2.result.end_time == 2.5);
  CHECK(r2.result.error == r.result.error);

  auto p2 = std::get<ProgressMsg>(decode(encode(ProgressMsg{9, 3.0, R"({"epoch":1})"})));
  CHECK(p2.payload == R"({"epoch":1})");
  auto h2 = std::get<HelloMsg>(decode(encode(HelloMsg{"node7", 1234})));
  CHECK(h2.host == "node7");
  CHECK(h2.pid == 1234);
  CHECK(std::holds_alternative<ShutdownMsg>(decode(encode(ShutdownMsg{}))));
  CHECK(std::get<FatalMsg>(decode(encode(FatalMsg{"no numpy"}))).message == "no numpy");
}

TEST_CASE("a truncated or unknown message is an error, not a crash") {
  std::string bytes = encode(TaskMsg{1, 0, 1, "1", "{}"});
  CHECK_THROWS_AS(decode(std::string_view(bytes).substr(0, bytes.size() - 1)), sv::core::CommError);
  CHECK_THROWS_AS(decode(std::string("\x7f", 1)), sv::core::CommError);
  CHECK_THROWS_AS(decode(std::string()), sv::core::CommError);
}

TEST_CASE("a large parameter payload is carried whole") {
  std::string big(200000, 'x');
  auto t = std::get<TaskMsg>(decode(encode(TaskMsg{1, 0, 1, "1", big})));
  CHECK(t.params.size() == big.size());
}

TEST_CASE("records appended to one message decode in order, and decode() refuses a batch") {
  std::string bytes;
  append_task(bytes, 1, 0, 1, "1", "{}");
  append_task(bytes, 2, 0, 1, "2", R"({"x":1})");
  append(ShutdownMsg{}, bytes);
  std::vector<Message> got;
  decode_each(bytes, [&](Message&& m) { got.push_back(std::move(m)); });
  REQUIRE(got.size() == 3);
  CHECK(std::get<TaskMsg>(got[0]).node_id == "1");
  CHECK(std::get<TaskMsg>(got[1]).params == R"({"x":1})");
  CHECK(std::holds_alternative<ShutdownMsg>(got[2]));
  CHECK_THROWS_AS(decode(bytes), sv::core::CommError);
  CHECK_THROWS_AS(decode_each(std::string_view(bytes).substr(0, bytes.size() - 3), [](Message&&) {}),
                  sv::core::CommError);
}

TEST_CASE("a per-task stop and a pruned result survive the round trip") {
  CHECK(std::get<StopTaskMsg>(decode(encode(StopTaskMsg{77}))).task_id == 77);
  ResultMsg r;
  r.task_id = 5;
  r.result.outcome = sv::core::Outcome::pruned;
  CHECK(std::get<ResultMsg>(decode(encode(r))).result.outcome == sv::core::Outcome::pruned);
}
