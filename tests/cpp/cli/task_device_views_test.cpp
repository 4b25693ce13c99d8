// Each task's device in the views that list tasks: `status` (running tasks and failures) and `export`
// (a device column), from the workers' hellos the store recorded.
#include <catch2/catch.hpp>

#include "cli/export_table.hpp"
#include "cli/status_view.hpp"
#include "../store/store_test_util.hpp"

using namespace sv::store;
using sv::cli::collect_status;
using sv::cli::render_status_text;
using sv::cli::StatusInputs;
using sv::store::test::sample_run;
using sv::store::test::sample_task;
using sv::store::test::TempDir;
using Catch::Contains;

namespace {
// Worker 1 on GPU 0, worker 2 on GPU 1; task 1 runs on worker 2, task 2 failed on worker 1, task 3 waits.
std::string store_with_devices(const TempDir& dir) {
  const std::string path = dir.file("supervisor.db");
  auto store = Store::create(path, sample_run());
  SessionInfo s;
  s.started = 1000;
  s.workers = 2;
  s.host = "node1";
  store->begin_session(s);
  store->add_worker(WorkerRow{0, 1, "node1", 11, "0", 1001});
  store->add_worker(WorkerRow{0, 2, "node1", 12, "1", 1001});
  TaskRow running = sample_task(1, TaskStatus::running);
  running.worker = 2;
  running.host = "node1";
  running.dispatch_time = running.start_time = 1002;
  TaskRow failed = sample_task(2, TaskStatus::failed);
  failed.worker = 1;
  failed.host = "node1";
  failed.dispatch_time = 1002;
  failed.error = "ValueError: bad";
  TaskRow pending = sample_task(3, TaskStatus::pending);
  pending.worker = -1;
  pending.dispatch_time = 0;
  for (const auto& t : {running, failed, pending}) store->put_task(t);
  store->flush();
  return path;
}
}  // namespace

TEST_CASE("status names the GPU of each running and failed task", "[cli][status][gpu]") {
  TempDir dir;
  auto store = Store::open(store_with_devices(dir), OpenMode::read_only);
  StatusInputs in;
  in.now = 1010;
  auto st = collect_status(*store, in);
  REQUIRE(st["running"].size() == 1);
  CHECK(st["running"][0]["device"] == "1");
  REQUIRE(st["failures"].size() == 1);
  CHECK(st["failures"][0]["device"] == "0");
  const std::string text = render_status_text(st);
  CHECK_THAT(text, Contains("device"));
  CHECK_THAT(text, Contains("on worker 1 (gpu 0)"));
}

TEST_CASE("export has a device column: the worker's GPUs, empty for a task never dispatched", "[cli][export][gpu]") {
  TempDir dir;
  auto store = Store::open(store_with_devices(dir), OpenMode::read_only);
  auto t = sv::cli::tasks_table(store->tasks(), store->task_devices());
  std::size_t col = 0;
  while (col < t.columns.size() && t.columns[col] != "device") ++col;
  REQUIRE(col < t.columns.size());
  CHECK(t.columns[col - 1] == "host");
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0][col] == "1");
  CHECK(t.rows[1][col] == "0");
  CHECK(t.rows[2][col].is_null());
}
