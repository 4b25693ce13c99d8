// Resubmission rule: a successor job only for ends a new allocation gets past.
#include <catch2/catch.hpp>

#include "../store/store_test_util.hpp"
#include "cli/resubmit_rule.hpp"

using namespace sv::store;
using sv::cli::decide_resubmit;
using sv::store::test::sample_run;
using sv::store::test::TempDir;
using Catch::Contains;

namespace {
// A store whose one session ended with `status`, after `events` (kind, message) during that session.
std::unique_ptr<Store> ended_job(const TempDir& dir, const std::string& status,
                                 std::vector<std::pair<std::string, std::string>> events = {}) {
  auto store = Store::create(dir.file("supervisor.db"), sample_run());
  store->add_event("fatal", "an earlier session's error, fixed since", 10);  // before the session: ignored
  SessionInfo s;
  s.started = 100;
  s.status = "running";
  store->begin_session(s);
  for (const auto& [kind, message] : events) store->add_event(kind, message, 150);
  store->set_run_status(status);
  store->flush();
  return store;
}
}  // namespace

TEST_CASE("drained, killed and not-started jobs get a successor; done ones do not", "[cli][resubmit]") {
  for (const char* status : {"drained", "running", "submitted"}) {
    TempDir dir;
    CHECK(decide_resubmit(*ended_job(dir, status)).resubmit);
  }
  TempDir dir;
  auto done = decide_resubmit(*ended_job(dir, "done"));
  CHECK_FALSE(done.resubmit);
  CHECK(done.reason == "done");
}

TEST_CASE("a failed run gets a successor only when it lost its workers and nothing else failed", "[cli][resubmit]") {
  {
    TempDir dir;
    auto d = decide_resubmit(*ended_job(dir, "failed", {{"lost", "worker rank 1 stopped answering"}}));
    CHECK(d.resubmit);
    CHECK_THAT(d.reason, Contains("losing its workers"));
  }
  {
    TempDir dir;
    auto d = decide_resubmit(*ended_job(dir, "failed", {{"lost", "worker rank 1 stopped answering"},
                                                          {"fatal", "the optimizer died: KeyError"}}));
    CHECK_FALSE(d.resubmit);
    CHECK_THAT(d.reason, Contains("the optimizer died: KeyError"));
  }
  {
    TempDir dir;
    auto d = decide_resubmit(*ended_job(dir, "failed"));
    CHECK_FALSE(d.resubmit);
    CHECK_THAT(d.reason, !Contains("earlier session"));
  }
}

TEST_CASE("a run that no job ever started stops the chain after three jobs", "[cli][resubmit]") {
  TempDir dir;
  auto store = Store::create(dir.file("supervisor.db"), sample_run());
  store->set_run_status("submitted");
  store->flush();
  auto job = [&store](int left) {
    SubmissionRow row;
    row.time = 100;
    row.scheduler = "pbs";
    row.job_id = "42." + std::to_string(left);
    row.script = "/runs/r/job.sh";
    row.site = "polaris";
    row.resubmits_left = left;
    store->add_submission(row);
  };
  job(9);
  CHECK(decide_resubmit(*store).resubmit);  // one job lost at start: bad luck, try again
  job(8);
  CHECK(decide_resubmit(*store).resubmit);
  job(7);
  auto d = decide_resubmit(*store);
  CHECK_FALSE(d.resubmit);
  CHECK_THAT(d.reason, Contains("the job script fails before the supervisor starts"));
}
