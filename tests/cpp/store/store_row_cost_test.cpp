// What writing one task row costs SQLite, seen in the statement's program rather than timed: a CHECK written
// as `status IN (...)` builds a temporary b-tree of the list for every row written (two zeroed pages each
// time, a third of the store's instructions on a no-op sweep); plain comparisons build none.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <string>

#include "store_test_util.hpp"

using namespace sv::store;
using namespace sv::store::test;

namespace {
// How many OpenEphemeral (temporary b-tree) instructions SQLite compiles `sql` into.
int temporary_btrees(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, ("EXPLAIN " + sql).c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  int n = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW)
    if (std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1))) == "OpenEphemeral") ++n;
  sqlite3_finalize(stmt);
  return n;
}
}  // namespace

TEST_CASE("writing a task row, whole or by its state, builds no temporary b-tree for the status check", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  Store::create(path, sample_run()).reset();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(temporary_btrees(db, "INSERT INTO tasks(id, node_id, model, params, params_hash, status, attempts, worker, "
                             "host, submit_time, dispatch_time, start_time, end_time, result, error) "
                             "VALUES(?1, 'n', 'm', '{}', 'h', ?2, 0, 0, '', 0, 0, 0, 0, '', '') "
                             "ON CONFLICT(id) DO UPDATE SET status = excluded.status") == 0);
  CHECK(temporary_btrees(db, "UPDATE tasks SET status = ?2 WHERE id = ?1") == 0);
  sqlite3_close(db);
}

TEST_CASE("the tasks table still refuses a status TaskStatus cannot read back", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  Store::create(path, sample_run()).reset();
  RawDb raw(path);
  raw.exec("INSERT INTO tasks(id, node_id, model, params, params_hash, status, attempts, worker, host, submit_time, "
           "dispatch_time, start_time, end_time, result, error) "
           "VALUES(1, 'n', 'm', '{}', 'h', 'pruned', 0, 0, '', 0, 0, 0, 0, '', '')");
  CHECK_THROWS_WITH(raw.exec("UPDATE tasks SET status = 'finished' WHERE id = 1"),
                    Catch::Matchers::Contains("CHECK constraint failed"));
}
