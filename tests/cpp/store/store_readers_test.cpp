// Readers (`supervisor status`, `report`) open the store read_only while rank 0 writes it: they must see
// committed rows, never buffered or uncommitted ones, must not wait for the writer, and must not write.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "core/errors.hpp"
#include "store/store.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using sv::core::StoreError;
using sv::store::test::RawDb;
using sv::store::test::sample_run;
using sv::store::test::sample_task;
using sv::store::test::TempDir;
using Catch::Contains;

TEST_CASE("a read_only store refuses every write", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  Store::create(path, sample_run());
  auto store = Store::open(path, OpenMode::read_only);

  CHECK_THROWS_WITH(store->put_task(sample_task(1)), Contains(path) && Contains("read-only"));
  CHECK_THROWS_AS(store->add_metric({}), StoreError);
  CHECK_THROWS_AS(store->add_event("engine", "x", 1), StoreError);
  CHECK_THROWS_AS(store->set_run_status("done"), StoreError);
  CHECK_THROWS_AS(store->begin_session({}), StoreError);
  CHECK_THROWS_AS(store->end_session(1, "done", 1), StoreError);
  CHECK_THROWS_AS(store->flush(), StoreError);
  CHECK(store->pending_writes() == 0);
  CHECK(store->tasks().empty());
}

TEST_CASE("a read_only reader sees committed rows and not those the writer still buffers", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  auto writer = Store::create(path, sample_run());
  writer->put_task(sample_task(1, TaskStatus::done, 0.5));
  writer->put_task(sample_task(2, TaskStatus::running));
  writer->flush();
  writer->put_task(sample_task(2, TaskStatus::done, 0.25));  // buffered update of a committed row
  writer->put_task(sample_task(3));                         // buffered new row

  auto reader = Store::open(path, OpenMode::read_only);
  CHECK(reader->counts().done == 1);
  CHECK(reader->counts().running == 1);
  CHECK(reader->counts().total() == 2);

  writer->flush();
  CHECK(reader->counts().done == 2);  // the same reader sees later commits without reopening
  CHECK(reader->counts().pending == 1);
  CHECK(reader->best_tasks(1, true).at(0).id == 2);
}

TEST_CASE("a read_only reader in another process reads while a writer holds the write lock", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  auto writer = Store::create(path, sample_run());
  for (int i = 1; i <= 3; ++i) writer->put_task(sample_task(i));
  writer->flush();

  // Mid-transaction writer: the lock a flush takes, held for as long as the child reads.
  RawDb holder(path);
  holder.exec("BEGIN IMMEDIATE; DELETE FROM tasks WHERE id = 1");

  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Exit codes carry the verdict; nothing of Catch's may run in the child.
    int code = 1;
    try {
      auto reader = Store::open(path, OpenMode::read_only);
      code = reader->counts().total() == 3 ? 0 : 2;
    } catch (...) {
      code = 3;
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  holder.exec("ROLLBACK");
}

TEST_CASE("a writer's flush waits for a short lock held by a tool and then commits", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  auto writer = Store::create(path, sample_run());
  writer->put_task(sample_task(1));

  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 0;
    try {
      RawDb tool(path);
      tool.exec("BEGIN IMMEDIATE; INSERT INTO events(time, kind, message) VALUES(1, 'tool', 'note')");
      usleep(300 * 1000);
      tool.exec("COMMIT");
    } catch (...) {
      code = 1;
    }
    _exit(code);
  }
  usleep(100 * 1000);  // let the child take the lock first (if it has not, the flush simply does not wait)
  writer->flush();     // busy_timeout waits for the child's commit instead of failing "database is locked"
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(writer->tasks().size() == 1);
  CHECK(writer->events().size() == 1);
}
