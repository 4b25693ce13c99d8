// Site YAML: every shipped site parses, and a bad one fails with one located line naming the key.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.hpp"
#include "site/site.hpp"

using namespace sv::site;

namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_site(yaml, "s.yaml", "s");
  } catch (const sv::core::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kMinimal = "scheduler: slurm\nlauncher: srun\ncores_per_node: 8\nworkers_per_node: 2\n";

}  // namespace

TEST_CASE("every shipped site file parses", "[site]") {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SV_SOURCE_ROOT "/site_configs")) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    SiteSpec site = load_site(entry.path().string());
    CHECK(site.name == entry.path().stem().string());
    CHECK(site.workers_per_node >= 1);
    ++count;
  }
  CHECK(count >= 11);
}

TEST_CASE("a minimal site takes defaults; the file stem names it", "[site]") {
  SiteSpec s = parse_site(kMinimal, "x/mine.yaml", "mine");
  CHECK(s.name == "mine");
  CHECK(s.scheduler == Scheduler::slurm);
  CHECK(s.launcher == Launcher::srun);
  CHECK(s.gpus_per_worker == 0);
  CHECK(s.gpu_binding == GpuBinding::none);
  CHECK(s.walltime_s == 3600);
}

TEST_CASE("a full site reads every key", "[site]") {
  SiteSpec s = parse_site(R"(
name: big
description: a big machine
scheduler: pbs
launcher: mpiexec
launcher_args: [--depth=4, --cpu-bind, depth]
cores_per_node: 32
gpus_per_node: 8
gpu_vendor: amd
gpu_env: HIP_VISIBLE_DEVICES
workers_per_node: 4
gpus_per_worker: 2
modules: [rocm/5.7.1, cray-python]
env: {OMP_NUM_THREADS: 4, PYTHONUNBUFFERED: "1"}
python: /opt/py/bin/python3
r: /opt/R/bin/Rscript
queue: prod
project: ABC_123
walltime: "12:30:00"
pbs_select: system=big
directives: ["-l place=scatter"]
)",
                          "big.yaml", "ignored");
  CHECK(s.name == "big");
  CHECK(s.launcher_args == std::vector<std::string>{"--depth=4", "--cpu-bind", "depth"});
  CHECK(s.gpu_vendor == GpuVendor::amd);
  CHECK(s.gpu_env == "HIP_VISIBLE_DEVICES");
  CHECK(s.gpu_binding == GpuBinding::supervisor);
  CHECK(s.modules.size() == 2);
  CHECK(s.env.at("OMP_NUM_THREADS") == "4");
  CHECK(s.python == "/opt/py/bin/python3");
  CHECK(s.walltime_s == 12 * 3600 + 30 * 60);
  CHECK(s.pbs_select == "system=big");
  CHECK(s.directives == std::vector<std::string>{"-l place=scatter"});
}

TEST_CASE("bad site files fail with one located line", "[site]") {
  CHECK(error_of("scheduler: slurm\nlauncher: srun\ncores_per_node: 8\nworkers_per_node: two\n") ==
        "s.yaml:4: workers_per_node: expected an integer ≥ 1, got \"two\"");
  CHECK(error_of("scheduler: sge\nlauncher: srun\ncores_per_node: 8\nworkers_per_node: 2\n") ==
        "s.yaml:1: scheduler: expected one of slurm, lsf, pbs, cobalt, local, got \"sge\"");
  CHECK(error_of("launcher: srun\ncores_per_node: 8\nworkers_per_node: 2\n") ==
        "s.yaml:1: scheduler: missing (one of slurm, lsf, pbs, cobalt, local)");
  CHECK(error_of(std::string(kMinimal) + "queus: debug\n")
            .find("s.yaml:5: queus: unknown key, did you mean \"queue\"?") == 0);
  CHECK(error_of(std::string(kMinimal) + "queue: \"debug; rm -rf /\"\n") ==
        "s.yaml:5: queue: expected a queue name of letters, digits and ._@:+-, got \"debug; rm -rf /\"");
  CHECK(error_of(std::string(kMinimal) + "modules: [gcc, \"$(reboot)\"]\n") ==
        "s.yaml:5: modules[1]: expected a module name of letters, digits and ._+/@:-, got \"$(reboot)\"");
  CHECK(error_of(std::string(kMinimal) + "walltime: 90 minutes\n") ==
        "s.yaml:5: walltime: expected a walltime H:MM:SS, got \"90 minutes\" (write e.g. \"2:00:00\")");
  CHECK(error_of(std::string(kMinimal) + "walltime: \"1:75:00\"\n").find("s.yaml:5: walltime:") == 0);
  CHECK(error_of(std::string(kMinimal) + "env: {\"BAD-NAME\": 1}\n")
            .find("s.yaml:5: env.BAD-NAME: expected an environment variable name") == 0);
  CHECK(error_of(std::string(kMinimal) + "env: {SV_WALLTIME_S: 5}\n")
            .find("s.yaml:5: env.SV_WALLTIME_S: SV_ variables") == 0);
  CHECK(error_of(std::string(kMinimal) + "python: python3\n") ==
        "s.yaml:5: python: expected an absolute path to a Python interpreter, got \"python3\"");
  CHECK(error_of(std::string(kMinimal) + "directives: [\"--x\\n--y\"]\n")
            .find("s.yaml:5: directives[0]: expected a directive on one line") == 0);
}

TEST_CASE("impossible layouts are refused at the key that causes them", "[site]") {
  CHECK(
      error_of("scheduler: slurm\nlauncher: srun\ncores_per_node: 8\nworkers_per_node: 4\ngpus_per_node: 2\n"
               "gpus_per_worker: 1\n") ==
      "s.yaml:4: workers_per_node: 4 workers × 1 GPUs need 4 GPUs per node, but gpus_per_node is 2");
  CHECK(
      error_of(
          "scheduler: slurm\nlauncher: srun\ncores_per_node: 8\nworkers_per_node: 1\ngpus_per_worker: 1\n") ==
      "s.yaml:5: gpus_per_worker: workers need GPUs but gpus_per_node is 0 (set gpus_per_node)");
  CHECK(error_of("scheduler: pbs\nlauncher: srun\ncores_per_node: 8\nworkers_per_node: 2\n")
            .find("s.yaml:2: launcher: a pbs site cannot launch with srun") == 0);
  CHECK(
      error_of("scheduler: lsf\nlauncher: jsrun\ncores_per_node: 42\nworkers_per_node: 6\ngpus_per_node: 6\n"
               "gpus_per_worker: 1\n")
          .find("s.yaml:4: workers_per_node: jsrun resource sets are all alike") == 0);
}

TEST_CASE("jsrun sites leave GPU binding to jsrun; others bind in the supervisor", "[site]") {
  SiteSpec summit = find_site("summit");
  CHECK(summit.gpu_binding == GpuBinding::launcher);
  SiteSpec frontier = find_site("frontier");
  CHECK(frontier.gpu_binding == GpuBinding::supervisor);
  CHECK(frontier.gpu_vendor == GpuVendor::amd);
}

TEST_CASE("sites are found by name, by SV_SITE_PATH first, or by path", "[site]") {
  auto dir = std::filesystem::temp_directory_path() / "sv_site_test_path";
  std::filesystem::create_directories(dir);
  {
    std::ofstream((dir / "generic-slurm.yaml").string())
        << "scheduler: local\nlauncher: mpiexec\ncores_per_node: 1\n"
           "workers_per_node: 1\n";
  }
  CHECK(find_site("generic-slurm").scheduler == Scheduler::slurm);
  setenv("SV_SITE_PATH", dir.c_str(), 1);
  CHECK(find_site("generic-slurm").scheduler == Scheduler::local);  // the override wins
  CHECK(find_site("summit").scheduler == Scheduler::lsf);           // the rest still come from site_configs
  unsetenv("SV_SITE_PATH");
  CHECK(find_site((dir / "generic-slurm.yaml").string()).scheduler == Scheduler::local);
  std::filesystem::remove_all(dir);

  try {
    find_site("nowhere");
    FAIL("no error");
  } catch (const sv::core::ConfigError& e) {
    std::string m = e.what();
    CHECK(m.find("site 'nowhere': no nowhere.yaml in ") == 0);
    CHECK(m.find("known sites: ") != std::string::npos);
    CHECK(m.find("summit") != std::string::npos);
  }
  CHECK_THROWS_AS(find_site("../etc"), sv::core::ConfigError);
}
