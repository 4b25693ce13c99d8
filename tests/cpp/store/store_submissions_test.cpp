// The submissions table: `supervisor submit` records each batch job at once, and `status` reads them back.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "store/store.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using sv::store::test::sample_run;
using sv::store::test::TempDir;

TEST_CASE("submissions are committed at once and read back in order", "[store][submissions]") {
  TempDir dir;
  const std::string path = dir.file("run.db");
  {
    auto store = Store::create(path, sample_run());
    SubmissionRow first;
    first.time = 2000.0;
    first.scheduler = "slurm";
    first.job_id = "4242";
    first.script = "/runs/a/job.sh";
    first.site = "local-slurm";
    first.resubmits_left = 2;
    CHECK(store->add_submission(first) == 1);
    SubmissionRow second = first;
    second.time = 0;  // now
    second.job_id = "4243";
    second.resubmits_left = 1;
    CHECK(store->add_submission(second) == 2);
    CHECK(store->pending_writes() == 0);
    // Visible to another reader before any flush: the job exists whatever happens to this process.
    auto reader = Store::open(path, OpenMode::read_only);
    CHECK(reader->submissions().size() == 2);
  }
  auto store = Store::open(path, OpenMode::read_only);
  auto rows = store->submissions();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == 1);
  CHECK(rows[0].time == 2000.0);
  CHECK(rows[0].scheduler == "slurm");
  CHECK(rows[0].job_id == "4242");
  CHECK(rows[0].script == "/runs/a/job.sh");
  CHECK(rows[0].site == "local-slurm");
  CHECK(rows[0].resubmits_left == 2);
  CHECK(rows[1].job_id == "4243");
  CHECK(rows[1].resubmits_left == 1);
  CHECK(rows[1].time > 2000.0);
}

TEST_CASE("a read-only store refuses add_submission", "[store][submissions]") {
  TempDir dir;
  const std::string path = dir.file("run.db");
  Store::create(path, sample_run());
  auto store = Store::open(path, OpenMode::read_only);
  CHECK_THROWS_AS(store->add_submission(SubmissionRow{}), sv::core::StoreError);
}

TEST_CASE("a store without a submissions table reads as having none", "[store][submissions]") {
  TempDir dir;
  const std::string path = dir.file("run.db");
  Store::create(path, sample_run());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TABLE submissions", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto store = Store::open(path, OpenMode::read_only);
  CHECK(store->submissions().empty());
}
