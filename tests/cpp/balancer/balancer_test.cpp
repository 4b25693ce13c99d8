#include <catch2/catch.hpp>

#include "balancer/balancer.hpp"

using sv::balancer::Balancer;
using sv::balancer::BalancerOptions;
using sv::balancer::ReadyTask;

TEST_CASE("a ready task goes to the first free worker, then the worker is busy until it finishes") {
  Balancer b;
  b.on_worker_joined(1);
  b.enqueue(ReadyTask{10});
  b.enqueue(ReadyTask{11});
  auto a = b.next_assignment();
  REQUIRE(a);
  CHECK(a->worker == 1);
  CHECK(a->task_id == 10);
  CHECK_FALSE(b.next_assignment());  // the only slot is taken
  b.on_task_finished(1, 10);
  auto a2 = b.next_assignment();
  REQUIRE(a2);
  CHECK(a2->task_id == 11);
}

TEST_CASE("higher priority runs first, equal priorities run in arrival order") {
  Balancer b;
  b.enqueue(ReadyTask{1, 0});
  b.enqueue(ReadyTask{2, 5});
  b.enqueue(ReadyTask{3, 0});
  b.enqueue(ReadyTask{4, 5});
  b.on_worker_joined(1);
  std::vector<std::uint64_t> order;
  while (auto a = b.next_assignment()) {
    order.push_back(a->task_id);
    b.on_task_finished(a->worker, a->task_id);
  }
  CHECK(order == std::vector<std::uint64_t>{2, 4, 1, 3});
}

TEST_CASE("a task that prefers a free worker goes there") {
  Balancer b;
  b.on_worker_joined(1);
  b.on_worker_joined(2);
  b.enqueue(ReadyTask{7, 0, 2});
  auto a = b.next_assignment();
  REQUIRE(a);
  CHECK(a->worker == 2);
  CHECK(a->affinity_hit);
  auto none = b.next_assignment();
  CHECK_FALSE(none);
}

TEST_CASE("a free worker never idles while a task waits for a busy preferred worker") {
  Balancer b;
  b.on_worker_joined(1);
  b.on_worker_joined(2);
  b.enqueue(ReadyTask{1});
  auto first = b.next_assignment();  // worker 1 busy with task 1
  REQUIRE(first);
  CHECK(first->worker == 1);
  b.enqueue(ReadyTask{2, 0, 1});  // prefers busy worker 1
  auto a = b.next_assignment();
  REQUIRE(a);
  CHECK(a->worker == 2);
  CHECK(a->task_id == 2);
  CHECK_FALSE(a->affinity_hit);
  b.on_task_finished(1, 1);
  CHECK_FALSE(b.next_assignment());  // task 2 is not handed out twice
}

TEST_CASE("a freed worker takes the task that prefers it before older tasks") {
  Balancer b;
  b.on_worker_joined(1);
  b.enqueue(ReadyTask{1});
  REQUIRE(b.next_assignment());
  b.enqueue(ReadyTask{2});
  b.enqueue(ReadyTask{3, 0, 1});
  b.on_task_finished(1, 1);
  auto a = b.next_assignment();
  REQUIRE(a);
  CHECK(a->task_id == 3);
  b.on_task_finished(1, 3);
  auto a2 = b.next_assignment();
  REQUIRE(a2);
  CHECK(a2->task_id == 2);
  b.on_task_finished(1, 2);
  CHECK_FALSE(b.next_assignment());
  CHECK(b.ready_count() == 0);
}

TEST_CASE("a lost worker hands back the tasks it held") {
  Balancer b;
  b.on_worker_joined(1);
  b.on_worker_joined(2);
  b.enqueue(ReadyTask{1});
  b.enqueue(ReadyTask{2});
  REQUIRE(b.next_assignment());
  REQUIRE(b.next_assignment());
  auto held = b.on_worker_lost(1);
  REQUIRE(held.size() == 1);
  CHECK(b.in_flight_count() == 1);
  CHECK(b.worker_count() == 1);
}

TEST_CASE("with several slots per worker a worker receives that many tasks at once") {
  Balancer b(BalancerOptions{3});
  b.on_worker_joined(1);
  for (std::uint64_t i = 1; i <= 5; ++i) b.enqueue(ReadyTask{i});
  int sent = 0;
  while (b.next_assignment()) ++sent;
  CHECK(sent == 3);
  CHECK(b.ready_count() == 2);
}

TEST_CASE("a finish report for a task the worker does not hold is ignored") {
  Balancer b;
  b.on_worker_joined(1);
  b.on_task_finished(1, 99);
  CHECK(b.free_slot_count() == 1);
}

TEST_CASE("raising the slots per worker hands out the new slots to the workers in turn") {
  Balancer b;
  b.on_worker_joined(1);
  b.on_worker_joined(2);
  for (std::uint64_t id = 1; id <= 10; ++id) b.enqueue(ReadyTask{id, 0, -1});
  CHECK(b.next_assignment()->worker == 1);
  CHECK(b.next_assignment()->worker == 2);
  CHECK_FALSE(b.next_assignment());
  b.set_slots_per_worker(3);
  std::vector<int> to;
  while (auto a = b.next_assignment()) to.push_back(a->worker);
  REQUIRE(to.size() == 4);
  CHECK(to[0] != to[1]);
  CHECK(to[2] != to[3]);
  CHECK(b.in_flight_count() == 6);
}

TEST_CASE("lowering the slots per worker takes effect as tasks finish") {
  Balancer b(BalancerOptions{3});
  b.on_worker_joined(1);
  for (std::uint64_t id = 1; id <= 10; ++id) b.enqueue(ReadyTask{id, 0, -1});
  for (int i = 0; i < 3; ++i) REQUIRE(b.next_assignment());
  b.set_slots_per_worker(1);
  b.on_task_finished(1, 1);
  CHECK_FALSE(b.next_assignment());  // still holds 2, more than 1
  b.on_task_finished(1, 2);
  CHECK_FALSE(b.next_assignment());
  b.on_task_finished(1, 3);
  auto a = b.next_assignment();
  REQUIRE(a);
  CHECK_FALSE(b.next_assignment());
}
