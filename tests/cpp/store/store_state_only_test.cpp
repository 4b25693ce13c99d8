// Task rows are written whole once, then by their state only: params, hash and model are not rewritten.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using namespace sv::store::test;

namespace {
TaskRow state_of(const TaskRow& full, TaskStatus status) {
  TaskRow t;
  t.id = full.id;
  t.node_id = full.node_id;
  t.state_only = true;
  t.status = status;
  t.attempts = 1;
  t.worker = 3;
  return t;
}
}  // namespace

TEST_CASE("a state-only write after the first leaves the task's params, hash and model as written", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  TaskRow full = sample_task(1);
  store->put_task(full);
  store->flush();
  TaskRow state = state_of(full, TaskStatus::done);
  state.objective = 0.5;
  store->put_task(state);
  store->flush();
  auto row = store->task_by_node(full.node_id);
  REQUIRE(row);
  CHECK(row->status == TaskStatus::done);
  CHECK(row->worker == 3);
  CHECK(row->objective == std::optional<double>(0.5));
  CHECK(row->params == full.params);
  CHECK(row->params_hash == full.params_hash);
  CHECK(row->model == full.model);
}

TEST_CASE("a state-only write over a first write still buffered is inserted whole, with the newer state", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  TaskRow full = sample_task(1);
  store->put_task(full);
  store->put_task(state_of(full, TaskStatus::running));
  CHECK(store->pending_writes() == 1);
  store->flush();
  auto row = store->task_by_node(full.node_id);
  REQUIRE(row);
  CHECK(row->status == TaskStatus::running);
  CHECK(row->params == full.params);
  CHECK(row->model == full.model);
}

TEST_CASE("a state-only write cannot move a task to another node", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  TaskRow full = sample_task(1);
  store->put_task(full);
  store->flush();
  TaskRow other = state_of(full, TaskStatus::done);
  other.node_id = "elsewhere";
  store->put_task(other);
  CHECK_THROWS_AS(store->flush(), sv::core::StoreError);
}
