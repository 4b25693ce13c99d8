// GPU binding: the pure mapping from (global rank, node-local rank) to visible devices, and reading the
// job script's settings and the launcher's local rank from an environment.
#include "site/gpu_binding.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "core/errors.hpp"

using namespace sv::site;

namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  const char* operator()(const char* name) const {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  }
};

GpuSettings one_per_worker(int gpus_per_node = 4) {
  GpuSettings s;
  s.gpus_per_worker = 1;
  s.gpus_per_node = gpus_per_node;
  return s;
}

}  // namespace

TEST_CASE("the server takes no GPU", "[site][gpu]") {
  GpuAssignment a = assign_gpus(one_per_worker(), RankPlace{0, 0});
  CHECK(a.value.empty());
  CHECK(a.devices.empty());
  CHECK(a.slot == -1);
  CHECK(a.variable == "CUDA_VISIBLE_DEVICES");
}

TEST_CASE("on the server's node workers start at local rank 1; elsewhere at local rank 0", "[site][gpu]") {
  // 2 nodes x 4 workers + server: node 0 holds ranks 0-4 (local 0-4), node 1 ranks 5-8 (local 0-3).
  for (int rank = 1; rank <= 4; ++rank)
    CHECK(assign_gpus(one_per_worker(), {rank, rank}).value == std::to_string(rank - 1));
  for (int rank = 5; rank <= 8; ++rank)
    CHECK(assign_gpus(one_per_worker(), {rank, rank - 5}).value == std::to_string(rank - 5));
}

TEST_CASE("several GPUs per worker are consecutive", "[site][gpu]") {
  GpuSettings s;
  s.gpus_per_worker = 2;
  s.gpus_per_node = 8;
  CHECK(assign_gpus(s, {1, 1}).value == "0,1");
  CHECK(assign_gpus(s, {4, 4}).value == "6,7");
  CHECK(assign_gpus(s, {5, 0}).value == "0,1");
  CHECK(assign_gpus(s, {8, 3}).value == "6,7");
  CHECK_FALSE(assign_gpus(s, {8, 3}).shared);
}

TEST_CASE("a node given more workers than GPU slots wraps and says so", "[site][gpu]") {
  GpuAssignment a = assign_gpus(one_per_worker(4), {9, 4});  // fifth worker on a 4-GPU node
  CHECK(a.value == "0");
  CHECK(a.shared);
  GpuSettings unknown = one_per_worker(0);  // node size unknown: no wrapping
  CHECK(assign_gpus(unknown, {9, 4}).value == "4");
}

TEST_CASE("settings come from the job script's variables", "[site][gpu]") {
  FakeEnv env;
  CHECK_FALSE(gpu_settings_from_env(std::ref(env)).has_value());
  env.vars["SV_GPUS_PER_WORKER"] = "0";
  CHECK_FALSE(gpu_settings_from_env(std::ref(env)).has_value());
  env.vars["SV_GPUS_PER_WORKER"] = "2";
  env.vars["SV_GPUS_PER_NODE"] = "8";
  env.vars["SV_GPU_VENDOR"] = "amd";
  auto s = gpu_settings_from_env(std::ref(env));
  REQUIRE(s);
  CHECK(s->gpus_per_worker == 2);
  CHECK(s->gpus_per_node == 8);
  CHECK(s->variable == "ROCR_VISIBLE_DEVICES");
  env.vars["SV_GPU_ENV"] = "HIP_VISIBLE_DEVICES";
  CHECK(gpu_settings_from_env(std::ref(env))->variable == "HIP_VISIBLE_DEVICES");
  env.vars["SV_GPU_VENDOR"] = "intel";
  CHECK_THROWS_AS(gpu_settings_from_env(std::ref(env)), sv::core::ConfigError);
  env.vars["SV_GPU_VENDOR"] = "nvidia";
  env.vars["SV_GPUS_PER_WORKER"] = "two";
  CHECK_THROWS_AS(gpu_settings_from_env(std::ref(env)), sv::core::ConfigError);
}

TEST_CASE("the node-local rank prefers the MPI library's own variable over Slurm's", "[site][gpu]") {
  FakeEnv env;
  CHECK_FALSE(local_rank_from_env(std::ref(env)).has_value());
  env.vars["SLURM_LOCALID"] = "0";  // inherited from the batch step by everything mpiexec starts
  CHECK(local_rank_from_env(std::ref(env)) == 0);
  env.vars["PMI_LOCAL_RANK"] = "3";
  CHECK(local_rank_from_env(std::ref(env)) == 3);
  env.vars["MPI_LOCALRANKID"] = "2";
  CHECK(local_rank_from_env(std::ref(env)) == 2);
  env.vars["OMPI_COMM_WORLD_LOCAL_RANK"] = "1";
  CHECK(local_rank_from_env(std::ref(env)) == 1);
}

// Packing: K workers share each GPU (workers_per_gpu, or gpus_per_worker 1/K).
namespace {
GpuSettings packed(int k, int gpus_per_node) {
  GpuSettings s = one_per_worker(gpus_per_node);
  s.workers_per_gpu = k;
  return s;
}
}  // namespace

TEST_CASE("K workers per GPU: slots 0..K-1 on GPU 0, K..2K-1 on GPU 1", "[site][gpu][packing]") {
  // One node, server + 8 workers, 4 per GPU on 2 GPUs: ranks 1-4 -> GPU 0, ranks 5-8 -> GPU 1.
  for (int rank = 1; rank <= 8; ++rank) {
    GpuAssignment a = assign_gpus(packed(4, 2), {rank, rank});
    CHECK(a.value == (rank <= 4 ? "0" : "1"));
    CHECK(a.devices.size() == 1);
    CHECK_FALSE(a.shared);
  }
  // A second node (no server): local ranks 0-7 map the same way.
  CHECK(assign_gpus(packed(4, 2), {9, 0}).value == "0");
  CHECK(assign_gpus(packed(4, 2), {13, 4}).value == "1");
}

TEST_CASE("16 workers on one GPU all see GPU 0", "[site][gpu][packing]") {
  for (int rank = 1; rank <= 16; ++rank) CHECK(assign_gpus(packed(16, 1), {rank, rank}).value == "0");
  CHECK_FALSE(assign_gpus(packed(16, 1), {16, 16}).shared);
  CHECK(assign_gpus(packed(16, 0), {16, 16}).value == "0");  // node size unknown: no wrap needed
}

TEST_CASE("more packed workers than K x GPUs wrap and say so", "[site][gpu][packing]") {
  GpuAssignment a = assign_gpus(packed(2, 2), {5, 5});  // fifth worker; 2 GPUs x 2 slots
  CHECK(a.shared);
  CHECK(a.value == "0");
  CHECK(assign_gpus(packed(2, 2), {6, 6}).value == "0");
  CHECK(assign_gpus(packed(2, 2), {7, 7}).value == "1");
}

TEST_CASE("the job script's SV_WORKERS_PER_GPU and SV_GPU_SHARING are read", "[site][gpu][packing]") {
  FakeEnv env{{{"SV_GPUS_PER_WORKER", "1"}, {"SV_WORKERS_PER_GPU", "8"}, {"SV_GPUS_PER_NODE", "4"},
               {"SV_GPU_SHARING", "mps"}}};
  auto s = gpu_settings_from_env(std::ref(env));
  REQUIRE(s);
  CHECK(s->workers_per_gpu == 8);
  CHECK(s->sharing == sv::spec::GpuSharing::mps);
  env.vars["SV_GPU_SHARING"] = "sometimes";
  CHECK_THROWS_AS(gpu_settings_from_env(std::ref(env)), sv::core::ConfigError);
  env.vars["SV_GPU_SHARING"] = "mps";
  env.vars["SV_GPUS_PER_WORKER"] = "2";  // packing needs one GPU per worker
  CHECK_THROWS_AS(gpu_settings_from_env(std::ref(env)), sv::core::ConfigError);
}

TEST_CASE("the workflow's placement wins over the job script's", "[site][gpu][packing]") {
  FakeEnv env{{{"SV_GPUS_PER_WORKER", "1"}, {"SV_GPUS_PER_NODE", "4"}, {"SV_GPU_VENDOR", "amd"}}};
  sv::spec::GpuPlacement p;
  CHECK(gpu_settings(p, std::ref(env))->workers_per_gpu == 1);  // nothing asked: the site's
  p.gpus_per_worker = 1;
  p.workers_per_gpu = 4;
  p.sharing = sv::spec::GpuSharing::mps;
  auto s = gpu_settings(p, std::ref(env));
  REQUIRE(s);
  CHECK(s->workers_per_gpu == 4);
  CHECK(s->gpus_per_node == 0);
  CHECK(s->sharing == sv::spec::GpuSharing::mps);
  CHECK(s->variable == "ROCR_VISIBLE_DEVICES");  // the site's vendor still names the variable
  CHECK_FALSE(gpu_settings(sv::spec::GpuPlacement{}, FakeEnv{}).has_value());
}
