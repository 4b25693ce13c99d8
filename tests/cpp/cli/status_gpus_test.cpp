// Status view, GPUs: a run whose store holds GPU samples shows each GPU's latest busy fraction, its mean
// over the run and its memory; a run without them shows none (and its store has no gpu_samples table).
#include <catch2/catch.hpp>

#include "cli/status_view.hpp"
#include "../store/store_test_util.hpp"

using namespace sv::store;
using sv::cli::collect_status;
using sv::cli::render_status_text;
using sv::cli::StatusInputs;
using sv::store::test::sample_run;
using sv::store::test::TempDir;
using Catch::Contains;

TEST_CASE("status shows busy now, mean busy and memory per GPU from the store's samples", "[cli][status][gpu]") {
  TempDir dir;
  const std::string path = dir.file("supervisor.db");
  {
    auto store = Store::create(path, sample_run());
    std::vector<GpuSampleRow> rows;
    for (int i = 0; i < 4; ++i) {
      rows.push_back({1000.0 + 2 * i, "node1", 0, "GPU-a", 0.2 * (i + 1), std::int64_t(i + 1) << 30, 80LL << 30});
      rows.push_back({1000.0 + 2 * i, "node1", 1, "GPU-b", 0.0, 0, 80LL << 30});
    }
    store->add_gpu_samples(rows);
  }
  auto store = Store::open(path, OpenMode::read_only);
  REQUIRE(store->gpu_samples().size() == 8);
  StatusInputs in;
  in.now = 1010;
  auto st = collect_status(*store, in);
  REQUIRE(st["gpus"].size() == 2);
  CHECK(st["gpus"][0]["gpu"] == 0);
  CHECK(st["gpus"][0]["busy"].get<double>() == Approx(0.8));
  CHECK(st["gpus"][0]["mean_busy"].get<double>() == Approx(0.5));
  CHECK(st["gpus"][0]["memory_used"] == (4LL << 30));
  CHECK(st["gpus"][0]["samples"] == 4);
  CHECK(st["gpus"][1]["mean_busy"].get<double>() == Approx(0.0));
  CHECK_THAT(render_status_text(st), Contains("node1 gpu 0:  80% /  50%, 4.0 of 80.0 GiB"));
}

TEST_CASE("a run without GPU samples has no gpu_samples table and no GPU lines", "[cli][status][gpu]") {
  TempDir dir;
  const std::string path = dir.file("supervisor.db");
  { auto store = Store::create(path, sample_run()); }
  auto store = Store::open(path, OpenMode::read_only);
  CHECK(store->gpu_samples().empty());
  StatusInputs in;
  in.now = 1010;
  auto st = collect_status(*store, in);
  CHECK(st["gpus"].empty());
  CHECK_THAT(render_status_text(st), !Contains("gpus ("));
}
