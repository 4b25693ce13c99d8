// Every way creating or opening a store can fail ends in a StoreError that names the path and the cause.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/errors.hpp"
#include "store/store.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using sv::core::StoreError;
using sv::store::test::RawDb;
using sv::store::test::sample_run;
using sv::store::test::sample_task;
using sv::store::test::TempDir;
using sv::store::test::write_file;
using Catch::Contains;

TEST_CASE("create refuses a path that already exists and leaves the file alone", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  {
    auto store = Store::create(path, sample_run());
    store->put_task(sample_task(1));
  }
  CHECK_THROWS_WITH(Store::create(path, sample_run()), Contains(path) && Contains("already exists"));
  CHECK(Store::open(path, OpenMode::read_only)->tasks().size() == 1);

  const std::string other = dir.file("notes.txt");
  write_file(other, "not a store");
  CHECK_THROWS_AS(Store::create(other, sample_run()), StoreError);
}

TEST_CASE("create in a directory that does not exist names the path and the reason", "[store]") {
  TempDir dir;
  const std::string path = dir.file("missing/run.sqlite");
  CHECK_THROWS_WITH(Store::create(path, sample_run()),
                    Contains(path) && Contains("cannot create") && Contains("No such file or directory"));
}

TEST_CASE("open of a missing file says there is no such run store", "[store]") {
  TempDir dir;
  const std::string path = dir.file("nope.sqlite");
  for (OpenMode mode : {OpenMode::read_only, OpenMode::read_write}) {
    CHECK_THROWS_WITH(Store::open(path, mode), Contains(path + ": no such run store"));
  }
  CHECK_FALSE(std::filesystem::exists(path));  // opening never creates
}

TEST_CASE("open of a file that is not SQLite says it is not a Supervisor run store", "[store]") {
  TempDir dir;
  const std::string path = dir.file("garbage.sqlite");
  std::string bytes;
  for (int i = 0; i < 8192; ++i) bytes.push_back(static_cast<char>((i * 7919 + 13) % 251));
  write_file(path, bytes);
  for (OpenMode mode : {OpenMode::read_only, OpenMode::read_write}) {
    CHECK_THROWS_WITH(Store::open(path, mode), Contains(path + ": not a Supervisor run store (") &&
                                                   Contains("not a database"));
  }
}

TEST_CASE("open of an SQLite database that is not a store says it is not a Supervisor run store",
          "[store]") {
  TempDir dir;
  const std::string path = dir.file("other.db");
  RawDb(path).exec("CREATE TABLE people(name TEXT); INSERT INTO people VALUES('ada')");
  for (OpenMode mode : {OpenMode::read_only, OpenMode::read_write}) {
    CHECK_THROWS_WITH(Store::open(path, mode),
                      Contains(path + ": not a Supervisor run store (") && Contains("meta table"));
  }
  CHECK(RawDb(path).scalar("SELECT count(*) FROM people") == 1);  // and it was not touched
}

TEST_CASE("open of a store with a meta table but a bad schema_version says it is not a run store",
          "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  Store::create(path, sample_run());
  RawDb(path).exec("UPDATE meta SET value = 'one' WHERE key = 'schema_version'");
  CHECK_THROWS_WITH(Store::open(path, OpenMode::read_only),
                    Contains("not a Supervisor run store") && Contains("'one'"));
  RawDb(path).exec("DELETE FROM meta");
  CHECK_THROWS_WITH(Store::open(path, OpenMode::read_only),
                    Contains("not a Supervisor run store") && Contains("no schema_version"));
}

TEST_CASE("open of a store from a newer supervisor asks for a newer supervisor", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  Store::create(path, sample_run());
  RawDb(path).exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  for (OpenMode mode : {OpenMode::read_only, OpenMode::read_write}) {
    CHECK_THROWS_WITH(Store::open(path, mode),
                      Contains(path + ": store schema version 99 is newer than this supervisor understands (" +
                               std::to_string(kSchemaVersion) + "); use a newer supervisor"));
  }
}

TEST_CASE("open of a store whose pages are damaged says it is not a usable run store", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  {
    auto store = Store::create(path, sample_run());
    for (int i = 1; i <= 2000; ++i) store->put_task(sample_task(i));
  }  // closing checkpoints the WAL into the main file
  {
    // Keep page 1 (header and schema) intact and scribble over the pages holding the rows.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f << std::string(3 * 4096, '\x5a');
  }
  CHECK_THROWS_WITH(Store::open(path, OpenMode::read_write), Contains(path + ": not a Supervisor run store ("));
}

TEST_CASE("open of a store another process holds exclusively says it is locked, after waiting", "[store]") {
  TempDir dir;
  const std::string path = dir.file("run.sqlite");
  Store::create(path, sample_run());
  RawDb holder(path);
  holder.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE runs SET status = 'x'");
  CHECK_THROWS_WITH(Store::open(path, OpenMode::read_write),
                    Contains(path + ": the run store is locked by another process"));
}
