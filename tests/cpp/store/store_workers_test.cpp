// The workers table and task_devices: each task shows the devices of the worker that ran its latest
// attempt, in the session that dispatched it; a store without the table reads as "no devices".
#include <catch2/catch.hpp>

#include "store/store.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using sv::store::test::sample_run;
using sv::store::test::TempDir;

namespace {
TaskRow dispatched(std::int64_t id, int worker, double dispatch_time) {
  TaskRow t;
  t.id = id;
  t.node_id = std::to_string(id);
  t.model = "m";
  t.params = "{}";
  t.status = TaskStatus::done;
  t.attempts = 1;
  t.worker = worker;
  t.dispatch_time = dispatch_time;
  return t;
}

SessionInfo session_at(double started) {
  SessionInfo s;
  s.started = started;
  s.workers = 2;
  s.host = "n0";
  return s;
}
}  // namespace

TEST_CASE("a task's device is its worker's in the session that dispatched it", "[store][workers]") {
  TempDir dir;
  const std::string path = dir.file("run.db");
  auto store = Store::create(path, sample_run());
  CHECK(store->task_devices().empty());  // no hello yet: no table, no devices

  store->begin_session(session_at(100));
  store->add_worker(WorkerRow{0, 1, "n0", 11, "0", 101});
  store->add_worker(WorkerRow{0, 2, "n0", 12, "1", 101});
  store->put_task(dispatched(1, 1, 110));
  store->put_task(dispatched(2, 2, 111));
  store->put_task(dispatched(3, -1, 0));  // never dispatched
  store->flush();
  // A resume: the same rank now holds another GPU, and task 2 ran again there.
  store->begin_session(session_at(200));
  store->add_worker(WorkerRow{0, 2, "n1", 22, "3", 201});
  store->put_task(dispatched(2, 2, 210));
  store->flush();

  auto workers = store->workers();
  REQUIRE(workers.size() == 3);
  CHECK(workers[0].session == 1);
  CHECK(workers[2].session == 2);
  CHECK(workers[2].host == "n1");
  CHECK(workers[2].pid == 22);

  auto devices = Store::open(path, OpenMode::read_only)->task_devices();
  CHECK(devices.size() == 2);
  CHECK(devices.at(1) == "0");
  CHECK(devices.at(2) == "3");
  CHECK(devices.count(3) == 0);
  CHECK(store->task_device(1) == "0");
  CHECK(store->task_device(3) == "");
}

TEST_CASE("a store from before the workers table reads no devices", "[store][workers]") {
  TempDir dir;
  const std::string path = dir.file("run.db");
  {
    auto store = Store::create(path, sample_run());
    store->begin_session(session_at(100));
    store->put_task(dispatched(1, 1, 110));
    store->flush();
  }
  auto reader = Store::open(path, OpenMode::read_only);
  CHECK(reader->workers().empty());
  CHECK(reader->task_devices().empty());
  CHECK(reader->task_device(1) == "");
}
