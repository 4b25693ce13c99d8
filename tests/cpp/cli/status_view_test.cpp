// Status view: the one JSON object `status` prints (or renders as text), from a store as a run leaves it.
#include <catch2/catch.hpp>

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

TEST_CASE("collect_status lists counts, running tasks, best results, failures and the job chain", "[cli][status]") {
  TempDir dir;
  const std::string path = dir.file("supervisor.db");
  {
    auto store = Store::create(path, sample_run());
    SessionInfo s;
    s.started = 1001;
    s.workers = 2;
    s.host = "node7";
    s.job_id = "4242";
    s.status = "running";
    store->begin_session(s);
    auto running = sample_task(1, TaskStatus::running);
    running.worker = 2;
    running.host = "node7";
    running.attempts = 1;
    running.dispatch_time = 1010;
    running.start_time = 1011;
    store->put_task(running);
    store->put_task(sample_task(2, TaskStatus::done, 0.25));
    store->put_task(sample_task(3, TaskStatus::done, 0.125));
    auto failed = sample_task(4, TaskStatus::failed);
    failed.attempts = 2;
    failed.error = "RuntimeError: out of memory\nTraceback ...";
    store->put_task(failed);
    store->put_task(sample_task(5, TaskStatus::pending));
    store->add_metric(MetricRow{1, "1.1", 1, 3, 1015, R"({"loss":0.5})"});
    store->flush();
  }
  auto store = Store::open(path, OpenMode::read_only);
  StatusInputs in;
  in.run_dir = dir.file("");
  in.expected_total = 10;
  in.now = 1021;
  auto st = collect_status(*store, in);

  CHECK(st["run"]["status"] == "running");
  CHECK(st["run"]["elapsed_s"].get<double>() == Approx(1021 - 1000.5));
  CHECK(st["counts"]["done"] == 2);
  CHECK(st["counts"]["running"] == 1);
  CHECK(st["counts"]["pending"] == 1);
  CHECK(st["counts"]["failed"] == 1);
  CHECK(st["counts"]["expected"] == 10);
  REQUIRE(st["running"].size() == 1);
  CHECK(st["running"][0]["worker"] == 2);
  CHECK(st["running"][0]["host"] == "node7");
  CHECK(st["running"][0]["elapsed_s"].get<double>() == Approx(10));
  CHECK(st["running"][0]["epoch"] == 3);
  CHECK(st["running"][0]["metrics"]["loss"] == 0.5);
  REQUIRE(st["best"].size() == 2);
  CHECK(st["best"][0]["node_id"] == "1.3");  // minimize: the smaller objective first
  CHECK(st["best"][0]["params"].is_object());
  REQUIRE(st["failures"].size() == 1);
  CHECK(st["failures"][0]["error"] == "RuntimeError: out of memory");
  CHECK(st["failures_total"] == 1);
  REQUIRE(st["sessions"].size() == 1);
  CHECK(st["sessions"][0]["job_id"] == "4242");
  CHECK(st["sessions"][0]["ended"].is_null());
  CHECK(st["submissions"].empty());
  // 3 finished in 20 s of job time, 7 to go.
  CHECK(st["rate"]["finished_per_s"].get<double>() == Approx(3.0 / 20));
  CHECK(st["rate"]["eta_s"].get<double>() == Approx(7 / (3.0 / 20)));

  std::string text = render_status_text(st);
  CHECK_THAT(text, Contains("2 done, 1 running, 1 pending, 1 failed"));
  CHECK_THAT(text, Contains("of 10"));
  CHECK_THAT(text, Contains("node7"));
  CHECK_THAT(text, Contains("RuntimeError: out of memory"));
  CHECK_THAT(text, Contains("job 4242"));
}

TEST_CASE("collect_status on a maximized objective ranks the largest first and caps the lists", "[cli][status]") {
  TempDir dir;
  const std::string path = dir.file("supervisor.db");
  {
    auto store = Store::create(path, sample_run());
    for (int i = 1; i <= 12; ++i) store->put_task(sample_task(i, TaskStatus::done, i * 1.0));
    for (int i = 13; i <= 20; ++i) {
      auto t = sample_task(i, TaskStatus::failed);
      t.error = "boom " + std::to_string(i);
      store->put_task(t);
    }
    store->set_run_status("done");
    store->flush();
  }
  auto store = Store::open(path, OpenMode::read_only);
  StatusInputs in;
  in.minimize = false;
  in.now = 5000;
  auto st = collect_status(*store, in);
  CHECK(st["best"].size() == 5);
  CHECK(st["best"][0]["objective"] == 12.0);
  CHECK(st["failures"].size() == 5);
  CHECK(st["failures_total"] == 8);
  CHECK(st["rate"]["eta_s"].is_null());
  CHECK_THAT(render_status_text(st), Contains("and 3 more"));
}

TEST_CASE("a running run whose store has been silent for minutes is shown as probably killed", "[cli][status]") {
  TempDir dir;
  const std::string path = dir.file("supervisor.db");
  { Store::create(path, sample_run())->flush(); }
  auto store = Store::open(path, OpenMode::read_only);
  StatusInputs in;
  in.run_dir = dir.file("");
  in.now = store->run().updated + 5;
  CHECK(render_status_text(collect_status(*store, in)).find("probably killed") == std::string::npos);
  in.now = store->run().updated + 600;
  auto st = collect_status(*store, in);
  CHECK(st["run"]["quiet_s"].get<double>() == Approx(600));
  CHECK_THAT(render_status_text(st), Contains("the job was probably killed; continue it with `supervisor resume"));
}

TEST_CASE("status counts pruned trials as finished and estimates the worker time pruning saved", "[cli][status]") {
  TempDir dir;
  const std::string path = dir.file("supervisor.db");
  {
    auto store = Store::create(path, sample_run());
    auto timed = [](std::int64_t id, TaskStatus status, double start, double end) {
      auto t = sample_task(id, status, 0.5);
      t.start_time = start;
      t.end_time = end;
      return t;
    };
    store->put_task(timed(1, TaskStatus::done, 1000, 1010));    // full trainings: 10 s and 14 s
    store->put_task(timed(2, TaskStatus::done, 1000, 1014));
    store->put_task(timed(3, TaskStatus::pruned, 1000, 1002));  // stopped after 2 s: 10 s saved
    store->put_task(timed(4, TaskStatus::pruned, 1000, 1006));  // 6 s
    SessionInfo s;
    s.started = 1000;
    s.ended = 1020;
    s.status = "done";
    store->begin_session(s);
    store->flush();
  }
  auto store = Store::open(path, OpenMode::read_only);
  StatusInputs in;
  in.run_dir = dir.file("");
  in.now = 1021;
  auto st = collect_status(*store, in);
  CHECK(st["counts"]["pruned"] == 2);
  CHECK(st["pruning"]["pruned"] == 2);
  CHECK(st["pruning"]["worker_s_saved"].get<double>() == Approx(16));
  CHECK(st["rate"]["finished_per_s"].get<double>() == Approx(4.0 / 20));  // pruned ones finished too
  std::string text = render_status_text(st);
  CHECK_THAT(text, Contains("2 pruned"));
  CHECK_THAT(text, Contains("pruning: 2 trials stopped early, about 16 worker-s saved"));
}
