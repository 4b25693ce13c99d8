// What goes into a store comes back out: every row type, buffering until flush, task upserts, ordering.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "store/store.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using sv::store::test::RawDb;
using sv::store::test::sample_run;
using sv::store::test::sample_task;
using sv::store::test::TempDir;

TEST_CASE("a created store reopens with its run, sessions, tasks, metrics and events", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  TaskRow task = sample_task(7, TaskStatus::done, 0.25);
  task.attempts = 2;
  task.worker = 3;
  task.host = "node17";
  task.submit_time = 10.5;
  task.dispatch_time = 11.25;
  task.start_time = 11.5;
  task.end_time = 42.75;
  task.result = R"({"val_loss":0.25})";
  task.error = "Traceback (most recent call last):\n  ...\nValueError: 'quoted' \"text\"";
  std::int64_t session_id = 0;
  {
    auto store = Store::create(path, sample_run());
    SessionInfo s;
    s.started = 100;
    s.workers = 4;
    s.host = "login1";
    s.job_id = "12345";
    session_id = store->begin_session(s);
    store->put_task(task);
    store->add_metric({7, "1.7", 2, 1, 20.5, R"({"loss":0.5})"});
    store->add_event("optimizer", "generation 1 done", 44.5);
    store->set_run_status("done");
    store->flush();
    store->end_session(session_id, "done", 200);
  }

  auto store = Store::open(path, OpenMode::read_only);
  CHECK(store->schema_version() == kSchemaVersion);
  CHECK(RawDb(path).scalar("PRAGMA user_version") == kSchemaVersion);
  CHECK(RawDb(path).scalar("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1);

  const RunInfo run = store->run();
  const RunInfo expected = sample_run();
  CHECK(run.name == expected.name);
  CHECK(run.workflow == expected.workflow);
  CHECK(run.spec_text == expected.spec_text);
  CHECK(run.spec_hash == expected.spec_hash);
  CHECK(run.spec_path == expected.spec_path);
  CHECK(run.out_dir == expected.out_dir);
  CHECK(run.status == "done");
  CHECK(run.created == expected.created);
  CHECK(run.updated > expected.updated);  // the flush touched it

  const auto sessions = store->sessions();
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].id == session_id);
  CHECK(sessions[0].started == 100);
  CHECK(sessions[0].ended == 200);
  CHECK(sessions[0].workers == 4);
  CHECK(sessions[0].host == "login1");
  CHECK(sessions[0].job_id == "12345");
  CHECK(sessions[0].status == "done");

  const auto tasks = store->tasks();
  REQUIRE(tasks.size() == 1);
  const TaskRow& t = tasks[0];
  CHECK(t.id == 7);
  CHECK(t.node_id == task.node_id);
  CHECK(t.model == task.model);
  CHECK(t.params == task.params);
  CHECK(t.params_hash == task.params_hash);
  CHECK(t.status == TaskStatus::done);
  CHECK(t.attempts == 2);
  CHECK(t.worker == 3);
  CHECK(t.host == "node17");
  CHECK(t.submit_time == 10.5);
  CHECK(t.dispatch_time == 11.25);
  CHECK(t.start_time == 11.5);
  CHECK(t.end_time == 42.75);
  CHECK(t.objective == std::optional<double>(0.25));
  CHECK(t.result == task.result);
  CHECK(t.error == task.error);

  const auto metrics = store->metrics();
  REQUIRE(metrics.size() == 1);
  CHECK(metrics[0].task_id == 7);
  CHECK(metrics[0].node_id == "1.7");
  CHECK(metrics[0].attempt == 2);
  CHECK(metrics[0].epoch == 1);
  CHECK(metrics[0].time == 20.5);
  CHECK(metrics[0].metrics == R"({"loss":0.5})");

  const auto events = store->events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].time == 44.5);
  CHECK(events[0].kind == "optimizer");
  CHECK(events[0].message == "generation 1 done");
}

TEST_CASE("a run created without status or time is running since now", "[store]") {
  TempDir dir;
  RunInfo run = sample_run();
  run.status.clear();
  run.created = run.updated = 0;
  auto store = Store::create(dir.file("run.sqlite"), run);
  CHECK(store->run().status == "running");
  CHECK(store->run().created > 1.6e9);
  CHECK(store->run().updated == store->run().created);
}

TEST_CASE("several put_task calls for one id between flushes leave one row with the latest state", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  TaskRow t = sample_task(1);
  store->put_task(t);
  t.status = TaskStatus::running;
  t.worker = 2;
  store->put_task(t);
  t.status = TaskStatus::done;
  t.objective = 1.5;
  store->put_task(t);
  CHECK(store->pending_writes() == 1);
  store->flush();

  const auto tasks = store->tasks();
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].status == TaskStatus::done);
  CHECK(tasks[0].worker == 2);
  CHECK(tasks[0].objective == std::optional<double>(1.5));
}

TEST_CASE("a task written again after a flush is updated in place", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  TaskRow t = sample_task(1, TaskStatus::running);
  store->put_task(t);
  store->flush();
  t.status = TaskStatus::failed;
  t.attempts = 1;
  t.error = "boom";
  store->put_task(t);
  store->flush();

  const auto tasks = store->tasks();
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].status == TaskStatus::failed);
  CHECK(tasks[0].attempts == 1);
  CHECK(tasks[0].error == "boom");
}

TEST_CASE("buffered writes are invisible until flush and visible after it", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->put_task(sample_task(1));
  store->put_task(sample_task(2));
  store->add_metric({1, "1.1", 0, 1, 5, "{}"});
  store->add_event("engine", "started", 5);
  store->set_run_status("drained");
  CHECK(store->pending_writes() == 5);

  CHECK(store->tasks().empty());
  CHECK(store->counts().total() == 0);
  CHECK(store->metrics().empty());
  CHECK(store->events().empty());
  CHECK(store->run().status == "running");

  store->flush();
  CHECK(store->pending_writes() == 0);
  CHECK(store->tasks().size() == 2);
  CHECK(store->counts().pending == 2);
  CHECK(store->metrics().size() == 1);
  CHECK(store->events().size() == 1);
  CHECK(store->run().status == "drained");

  store->flush();  // nothing buffered: a no-op, not an error
  CHECK(store->tasks().size() == 2);
}

TEST_CASE("best_tasks orders done tasks by objective, ascending to minimize and descending to maximize",
          "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->put_task(sample_task(1, TaskStatus::done, 0.5));
  store->put_task(sample_task(2, TaskStatus::done, -1.0));
  store->put_task(sample_task(3, TaskStatus::done, 2.0));
  store->put_task(sample_task(4, TaskStatus::done, std::nullopt));  // done but reported no objective
  store->put_task(sample_task(5, TaskStatus::failed, -100.0));     // not done: never "best"
  store->put_task(sample_task(6, TaskStatus::running, 100.0));
  store->put_task(sample_task(7, TaskStatus::done, 0.5));          // tie with 1: earlier id first
  store->flush();

  auto ids = [](const std::vector<TaskRow>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& r : rows) out.push_back(r.id);
    return out;
  };
  CHECK(ids(store->best_tasks(10, true)) == std::vector<std::int64_t>{2, 1, 7, 3});
  CHECK(ids(store->best_tasks(10, false)) == std::vector<std::int64_t>{3, 1, 7, 2});
  CHECK(ids(store->best_tasks(2, true)) == std::vector<std::int64_t>{2, 1});
  CHECK(ids(store->best_tasks(-1, false)).size() == 4);
  CHECK(store->best_tasks(0, true).empty());
}

TEST_CASE("a missing objective round-trips as NULL and an objective of 0 stays 0", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  {
    auto store = Store::create(path, sample_run());
    store->put_task(sample_task(1, TaskStatus::done, std::nullopt));
    store->put_task(sample_task(2, TaskStatus::done, 0.0));
    store->flush();
  }
  CHECK(RawDb(path).scalar("SELECT count(*) FROM tasks WHERE objective IS NULL") == 1);
  auto store = Store::open(path, OpenMode::read_only);
  CHECK_FALSE(store->task_by_node("1.1")->objective.has_value());
  CHECK(store->task_by_node("1.2")->objective == std::optional<double>(0.0));
}

TEST_CASE("counts and tasks_with_status group tasks by status", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->put_task(sample_task(1, TaskStatus::pending));
  store->put_task(sample_task(2, TaskStatus::running));
  store->put_task(sample_task(3, TaskStatus::done, 1));
  store->put_task(sample_task(4, TaskStatus::done, 2));
  store->put_task(sample_task(5, TaskStatus::failed));
  store->put_task(sample_task(6, TaskStatus::canceled));
  store->flush();

  const StatusCounts c = store->counts();
  CHECK(c.pending == 1);
  CHECK(c.running == 1);
  CHECK(c.done == 2);
  CHECK(c.failed == 1);
  CHECK(c.canceled == 1);
  CHECK(c.total() == 6);
  const auto done = store->tasks_with_status(TaskStatus::done);
  REQUIRE(done.size() == 2);
  CHECK(done[0].id == 3);
  CHECK(done[1].id == 4);
  CHECK(store->tasks_with_status(TaskStatus::failed).at(0).id == 5);
}

TEST_CASE("metrics come back by task and epoch, for all nodes or for one", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->add_metric({2, "1.2", 0, 2, 4, R"({"loss":0.2})"});
  store->add_metric({1, "1.1", 0, 2, 3, R"({"loss":0.4})"});
  store->add_metric({2, "1.2", 0, 1, 2, R"({"loss":0.3})"});
  store->add_metric({1, "1.1", 0, 1, 1, R"({"loss":0.5})"});
  store->flush();

  const auto all = store->metrics();
  REQUIRE(all.size() == 4);
  CHECK((all[0].task_id == 1 && all[0].epoch == 1));
  CHECK((all[1].task_id == 1 && all[1].epoch == 2));
  CHECK((all[2].task_id == 2 && all[2].epoch == 1));
  CHECK((all[3].task_id == 2 && all[3].epoch == 2));
  const auto one = store->metrics("1.2");
  REQUIRE(one.size() == 2);
  CHECK(one[0].metrics == R"({"loss":0.3})");
  CHECK(one[1].metrics == R"({"loss":0.2})");
  CHECK(store->metrics("no.such.node").empty());
}

TEST_CASE("task_by_node finds a committed task and answers nullopt for an unknown node", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->put_task(sample_task(3));
  store->flush();
  REQUIRE(store->task_by_node("1.3").has_value());
  CHECK(store->task_by_node("1.3")->id == 3);
  CHECK_FALSE(store->task_by_node("1.4").has_value());
  CHECK_FALSE(store->task_by_node("1.3' OR '1'='1").has_value());  // bound, never interpolated
}

TEST_CASE("sessions are numbered in order and end_session of an unknown session is an error", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  const auto first = store->begin_session({});
  const auto second = store->begin_session({});
  CHECK(second > first);
  CHECK(store->sessions().size() == 2);  // committed at once, no flush needed
  CHECK(store->sessions()[0].status == "running");
  CHECK_THROWS_AS(store->end_session(second + 10, "done", 1), sv::core::StoreError);
}

TEST_CASE("closing a store commits what is still buffered", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  {
    auto store = Store::create(path, sample_run());
    store->put_task(sample_task(1));
    store->add_event("engine", "bye", 1);
  }
  auto store = Store::open(path, OpenMode::read_only);
  CHECK(store->tasks().size() == 1);
  CHECK(store->events().size() == 1);
}

TEST_CASE("a failed flush commits nothing and keeps every buffered write for the next flush", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->put_task(sample_task(1));
  store->flush();

  TaskRow clash = sample_task(1);
  clash.node_id = "9.9";  // task 1 belongs to node 1.1: this upsert is refused
  store->put_task(clash);
  store->put_task(sample_task(2));
  store->put_task(sample_task(3));
  store->add_metric({3, "1.3", 0, 1, 1, "{}"});
  store->add_event("engine", "e", 1);
  REQUIRE(store->pending_writes() == 5);
  CHECK_THROWS_WITH(store->flush(), Catch::Contains("recorded for node '1.1'") && Catch::Contains("rolled back"));
  CHECK(store->pending_writes() == 5);
  CHECK(store->tasks().size() == 1);  // tasks 2, 3 and the metric shared the failed transaction
  CHECK(store->metrics().empty());

  store->put_task(sample_task(1));  // the caller fixes the row; the rest is retried as it was
  store->flush();
  CHECK(store->pending_writes() == 0);
  CHECK(store->tasks().size() == 3);
  CHECK(store->metrics().size() == 1);
  CHECK(store->events().size() == 1);
}

TEST_CASE("task statuses convert to text and back, and unknown text is an error", "[store]") {
  for (TaskStatus s : {TaskStatus::pending, TaskStatus::running, TaskStatus::done, TaskStatus::failed,
                       TaskStatus::canceled}) {
    CHECK(task_status_from_string(to_string(s)) == s);
  }
  CHECK_THROWS_WITH(task_status_from_string("finished"), Catch::Contains("unknown task status 'finished'"));
}

TEST_CASE("rewriting a committed task under another node id is refused and nothing is committed",
          "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->put_task(sample_task(1));
  store->flush();

  TaskRow moved = sample_task(1, TaskStatus::done, 1.0);
  moved.node_id = "9.9";
  store->put_task(moved);
  store->add_event("engine", "e", 1);
  CHECK_THROWS_WITH(store->flush(), Catch::Contains("task 1 is recorded for node '1.1', not '9.9'"));
  CHECK(store->pending_writes() == 2);
  CHECK(store->tasks().at(0).status == TaskStatus::pending);
  CHECK(store->events().empty());

  store->put_task(sample_task(1, TaskStatus::done, 1.0));  // the caller corrects the row; the rest retries
  store->flush();
  CHECK(store->tasks().at(0).status == TaskStatus::done);
  CHECK(store->events().size() == 1);
}

TEST_CASE("a task's result order survives inserts and updates", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  {
    auto store = Store::create(path, sample_run());
    TaskRow t = sample_task(3, TaskStatus::running, 0.5);
    store->put_task(t);
    store->flush();
    t.status = TaskStatus::done;
    t.result_seq = 9;
    store->put_task(t);
    store->flush();
  }
  auto store = Store::open(path, OpenMode::read_only);
  CHECK(store->tasks().at(0).result_seq == 9);
}

TEST_CASE("a background commit is seen by the next read, and counts add up without indexing done tasks",
          "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  for (int i = 1; i <= 5; ++i) store->put_task(sample_task(i, i <= 3 ? TaskStatus::done : TaskStatus::failed, i));
  store->put_task(sample_task(6, TaskStatus::running));
  store->flush_in_background();
  CHECK(store->pending_writes() == 0);
  auto c = store->counts();  // waits for the commit
  CHECK(c.done == 3);
  CHECK(c.failed == 2);
  CHECK(c.running == 1);
  CHECK(c.pending == 0);
  CHECK(store->tasks().size() == 6);
}

TEST_CASE("a failed background commit is reported by the next call and its writes are kept", "[store]") {
  TempDir dir;
  auto store = Store::create(dir.file("run.sqlite"), sample_run());
  store->put_task(sample_task(1));
  store->flush();
  TaskRow clash = sample_task(1);
  clash.node_id = "9.9";
  store->put_task(clash);
  store->put_task(sample_task(2));
  store->flush_in_background();
  store->put_task(sample_task(3));  // newer than the failing batch
  CHECK_THROWS_WITH(store->tasks(), Catch::Contains("recorded for node '1.1'"));
  CHECK(store->pending_writes() == 3);
  store->put_task(sample_task(1));  // fixed
  store->flush();
  CHECK(store->tasks().size() == 3);
}
