// A killed job's session: shown as probably killed while the run is silent, marked killed by a resume.
#include <catch2/catch.hpp>

#include "../store/store_test_util.hpp"
#include "cli/status_view.hpp"

using namespace sv::store;
using sv::cli::collect_status;
using sv::cli::kProbablyKilledS;
using sv::cli::probably_killed;
using sv::cli::StatusInputs;
using sv::store::test::sample_run;
using sv::store::test::TempDir;

TEST_CASE("the session of a silent running run reads as probably killed", "[cli][status]") {
  TempDir dir;
  const std::string path = dir.file("supervisor.db");
  {
    auto store = Store::create(path, sample_run());
    SessionInfo s;
    s.started = 1000;
    s.status = "running";
    store->begin_session(s);
    store->flush();
  }
  auto store = Store::open(path, OpenMode::read_only);
  StatusInputs in;
  in.now = store->run().updated + kProbablyKilledS / 2;
  auto st = collect_status(*store, in);
  CHECK_FALSE(probably_killed(st));
  CHECK(st["sessions"][0]["status"] == "running");
  in.now = store->run().updated + kProbablyKilledS + 1;
  st = collect_status(*store, in);
  CHECK(probably_killed(st));
  CHECK(st["sessions"][0]["status"] == "probably killed");
}

TEST_CASE("end_unfinished_sessions marks only sessions still running, never before they began", "[store][session]") {
  TempDir dir;
  auto store = Store::create(dir.file("supervisor.db"), sample_run());
  SessionInfo s;
  s.started = 100;
  s.status = "running";
  auto killed = store->begin_session(s);
  s.started = 200;
  auto drained = store->begin_session(s);
  store->end_session(drained, "drained", 300);
  s.started = 400;
  auto late = store->begin_session(s);
  CHECK(store->end_unfinished_sessions("killed", 350) == std::vector<std::int64_t>{killed, late});
  auto sessions = store->sessions();
  REQUIRE(sessions.size() == 3);
  CHECK(sessions[0].status == "killed");
  CHECK(sessions[0].ended == 350);
  CHECK(sessions[1].status == "drained");
  CHECK(sessions[2].status == "killed");
  CHECK(sessions[2].ended == 400);  // its stamp came before it began: it ended no earlier than it started
  CHECK(store->end_unfinished_sessions("killed", 500).empty());
}
