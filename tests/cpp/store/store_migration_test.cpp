// Stores written by an older supervisor: version 1 (made here with the DDL of the first release, which
// had no tasks.result_seq and no submissions table) opens and reads as it is, and the writer migrates it.
#include <catch2/catch.hpp>

#include "store/store.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using sv::store::test::RawDb;
using sv::store::test::TempDir;

namespace {

// The version-1 schema as commit 6cc0e8f created it, with a finished HPO-like run: tasks 1 and 3 done,
// 2 failed, 4 still pending; task 3 ended before task 1, so the order results were taken in is 3, 2, 1.
constexpr const char* kVersion1Store = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs(id INTEGER PRIMARY KEY, name TEXT NOT NULL, workflow TEXT NOT NULL, spec_text TEXT NOT NULL,
  spec_hash TEXT NOT NULL, spec_path TEXT NOT NULL, out_dir TEXT NOT NULL, status TEXT NOT NULL,
  created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE sessions(id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL, ended REAL NOT NULL,
  workers INTEGER NOT NULL, host TEXT NOT NULL, job_id TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE tasks(id INTEGER PRIMARY KEY, node_id TEXT UNIQUE NOT NULL, model TEXT NOT NULL,
  params TEXT NOT NULL, params_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('pending', 'running', 'done', 'failed', 'canceled')),
  attempts INTEGER NOT NULL, worker INTEGER NOT NULL, host TEXT NOT NULL, submit_time REAL NOT NULL,
  dispatch_time REAL NOT NULL, start_time REAL NOT NULL, end_time REAL NOT NULL, objective REAL NULL,
  result TEXT NOT NULL, error TEXT NOT NULL);
CREATE TABLE metrics(id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, node_id TEXT NOT NULL,
  attempt INTEGER NOT NULL, epoch INTEGER NOT NULL, time REAL NOT NULL, metrics TEXT NOT NULL);
CREATE TABLE artifacts(id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, node_id TEXT NOT NULL,
  kind TEXT NOT NULL, path TEXT NOT NULL, time REAL NOT NULL);
CREATE TABLE events(id INTEGER PRIMARY KEY, time REAL NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX tasks_status ON tasks(status);
CREATE INDEX tasks_objective ON tasks(objective) WHERE objective IS NOT NULL;
CREATE INDEX metrics_node ON metrics(node_id);
PRAGMA user_version = 1;
INSERT INTO meta VALUES('schema_version', '1');
INSERT INTO runs VALUES(1, 'old-hpo', 'hpo', 'workflow: hpo', 'h', '/x/hpo.yaml', '/x/run', 'running', 10, 20);
INSERT INTO sessions(started, ended, workers, host, job_id, status) VALUES(10, 0, 2, 'login1', '', 'running');
INSERT INTO tasks VALUES(1, '1', 'm', '{"x":1}', 'h1', 'done',    1, 1, 'n1', 10, 11, 11, 19, 0.5, '{"y":0.5}', '');
INSERT INTO tasks VALUES(2, '2', 'm', '{"x":2}', 'h2', 'failed',  1, 2, 'n1', 10, 11, 11, 15, NULL, '', 'boom');
INSERT INTO tasks VALUES(3, '3', 'm', '{"x":3}', 'h3', 'done',    1, 1, 'n1', 10, 11, 11, 12, 0.25, '{"y":0.25}', '');
INSERT INTO tasks VALUES(4, '4', 'm', '{"x":4}', 'h4', 'pending', 0, -1, '', 10, 0, 0, 0, NULL, '', '');
)sql";

std::string make_version1_store(const TempDir& dir) {
  const std::string path = dir.file("old.sqlite");
  RawDb(path).exec(kVersion1Store);
  return path;
}

std::int64_t seq_of(const std::vector<TaskRow>& rows, std::int64_t id) {
  for (const auto& r : rows)
    if (r.id == id) return r.result_seq;
  return -1;
}

// The sample's pending task 4 as done with the best objective, the 4th result taken.
TaskRow pending_task_done(const std::vector<TaskRow>& tasks) {
  TaskRow next = tasks.back();
  next.status = TaskStatus::done;
  next.objective = 0.125;
  next.end_time = 30;
  next.result_seq = 4;
  return next;
}

}  // namespace

TEST_CASE("a version-1 store without result_seq opens read-only and reads as it is, unchanged", "[store]") {
  TempDir dir;
  const std::string path = make_version1_store(dir);
  auto store = Store::open(path, OpenMode::read_only);
  CHECK(store->schema_version() == 1);
  CHECK(store->run().name == "old-hpo");
  const auto tasks = store->tasks();
  REQUIRE(tasks.size() == 4);
  for (const auto& t : tasks) CHECK(t.result_seq == 0);
  CHECK(store->counts().done == 2);
  CHECK(store->counts().failed == 1);
  REQUIRE(store->best_tasks(1, true).size() == 1);
  CHECK(store->best_tasks(1, true)[0].id == 3);
  CHECK(store->tasks_with_status(TaskStatus::failed).at(0).error == "boom");
  CHECK(store->task_by_node("1").has_value());
  CHECK(store->submissions().empty());
  store.reset();
  // A reader never changes the file.
  CHECK(RawDb(path).scalar("SELECT COUNT(*) FROM pragma_table_info('tasks') WHERE name = 'result_seq'") == 0);
  CHECK(RawDb(path).scalar("PRAGMA user_version") == 1);
}

TEST_CASE("opening a version-1 store for writing migrates it: result order numbered, submissions table added",
          "[store]") {
  TempDir dir;
  const std::string path = make_version1_store(dir);
  {
    auto store = Store::open(path, OpenMode::read_write);
    CHECK(store->schema_version() == kSchemaVersion);
    const auto tasks = store->tasks();
    // Final results in the order they ended (what a resume replays to the optimizer); pending has none.
    CHECK(seq_of(tasks, 3) == 1);
    CHECK(seq_of(tasks, 2) == 2);
    CHECK(seq_of(tasks, 1) == 3);
    CHECK(seq_of(tasks, 4) == 0);

    // The migrated store takes every write of the current version.
    store->put_task(pending_task_done(tasks));
    store->flush();
    SubmissionRow sub;
    sub.scheduler = "slurm";
    sub.job_id = "77";
    sub.script = "/x/run/job.sh";
    sub.site = "local-slurm";
    store->add_submission(sub);
  }
  RawDb raw(path);
  CHECK(raw.scalar("PRAGMA user_version") == kSchemaVersion);
  CHECK(raw.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == kSchemaVersion);
  CHECK(raw.scalar("SELECT result_seq FROM tasks WHERE id = 4") == 4);
  auto again = Store::open(path, OpenMode::read_only);
  CHECK(again->submissions().size() == 1);
  CHECK(again->best_tasks(1, true).at(0).id == 4);
}

TEST_CASE("a version-1 store that already had result_seq keeps its numbers when migrated", "[store]") {
  TempDir dir;
  const std::string path = make_version1_store(dir);
  RawDb(path).exec("ALTER TABLE tasks ADD COLUMN result_seq INTEGER NOT NULL DEFAULT 0;"
                   "UPDATE tasks SET result_seq = id WHERE status <> 'pending';");
  auto store = Store::open(path, OpenMode::read_write);
  const auto tasks = store->tasks();
  CHECK(seq_of(tasks, 1) == 1);
  CHECK(seq_of(tasks, 2) == 2);
  CHECK(seq_of(tasks, 3) == 3);
  CHECK(store->schema_version() == kSchemaVersion);
  CHECK(store->submissions().empty());
}

TEST_CASE("an older store opened for writing takes pruned tasks and keeps its rows", "[store]") {
  TempDir dir;
  const std::string path = make_version1_store(dir);
  {
    auto store = Store::open(path, OpenMode::read_write);
    TaskRow row = store->tasks().back();  // task 4, pending
    row.status = TaskStatus::pruned;
    row.objective = 0.75;
    row.result_seq = 4;
    store->put_task(row);
    store->flush();
  }
  auto again = Store::open(path, OpenMode::read_only);
  const auto tasks = again->tasks();
  REQUIRE(tasks.size() == 4);
  CHECK(tasks[0].result == R"({"y":0.5})");
  CHECK(tasks[1].error == "boom");
  CHECK(tasks[3].status == TaskStatus::pruned);
  CHECK(again->counts().pruned == 1);
  CHECK(again->counts().done == 2);
  CHECK(again->tasks_with_status(TaskStatus::pruned).size() == 1);
}

namespace {

// A version-2 store as a supervisor before the artifacts table was dropped left it: version 1 migrated
// (result_seq, submissions), with one row in the artifacts table that no product code ever wrote.
std::string make_version2_store(const TempDir& dir) {
  const std::string path = make_version1_store(dir);
  RawDb(path).exec(
      "ALTER TABLE tasks ADD COLUMN result_seq INTEGER NOT NULL DEFAULT 0;"
      "UPDATE tasks SET result_seq = id WHERE status <> 'pending';"
      "CREATE TABLE submissions(id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, scheduler TEXT NOT NULL,"
      "  job_id TEXT NOT NULL, script TEXT NOT NULL, site TEXT NOT NULL, resubmits_left INTEGER NOT NULL);"
      "INSERT INTO artifacts(task_id, node_id, kind, path, time) VALUES(1, '1', 'weights', '/x/1.pt', 19);"
      "PRAGMA user_version = 2;"
      "UPDATE meta SET value = '2' WHERE key = 'schema_version';");
  return path;
}

std::int64_t artifacts_tables(const std::string& path) {
  return RawDb(path).scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'artifacts'");
}

}  // namespace

TEST_CASE("a version-2 store with an artifacts table reads as it is and loses the table when opened for writing",
          "[store]") {
  TempDir dir;
  const std::string path = make_version2_store(dir);
  {
    auto reader = Store::open(path, OpenMode::read_only);
    CHECK(reader->schema_version() == 2);
    CHECK(reader->tasks().size() == 4);
    CHECK(reader->best_tasks(1, true).at(0).id == 3);
  }
  CHECK(artifacts_tables(path) == 1);  // a reader never changes the file

  {
    // What `resume` does: open for writing, then go on recording tasks.
    auto store = Store::open(path, OpenMode::read_write);
    CHECK(store->schema_version() == kSchemaVersion);
    auto tasks = store->tasks();
    REQUIRE(tasks.size() == 4);
    CHECK(seq_of(tasks, 3) == 3);  // the numbers it had are kept
    store->put_task(pending_task_done(tasks));
    store->add_metric({4, "4", 1, 1, 29, R"({"loss":0.125})"});
    store->flush();
  }
  CHECK(artifacts_tables(path) == 0);
  auto again = Store::open(path, OpenMode::read_only);
  CHECK(again->counts().done == 3);
  CHECK(again->best_tasks(1, true).at(0).id == 4);
  CHECK(again->metrics("4").size() == 1);
}

TEST_CASE("a new store has no artifacts table", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  Store::create(path, sv::store::test::sample_run());
  CHECK(artifacts_tables(path) == 0);
}
