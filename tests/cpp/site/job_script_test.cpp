// Job scripts: the rank layout, the checks on values that reach a script, quoting, and one golden file per
// shipped site (tests/golden/<site>.sh). Regenerate the goldens after an intended change with
//   SV_UPDATE_GOLDEN=1 ./sv_test_site "[golden]"     (from the build's tests/cpp folder)
// and review the diff before committing it.
#include "site/job_script.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "site/script_text.hpp"
#include "site/site.hpp"

using namespace sv::site;
namespace fs = std::filesystem;

namespace {

JobRequest golden_request(const SiteSpec& site) {
  JobRequest r;
  r.job_name = "sv-campaign";
  r.binary = "/opt/supervisor/bin/supervisor";
  r.workflow = "/home/user/campaign/hpo.yaml";
  r.run_dir = "/scratch/user/runs/campaign";
  r.nodes = site.scheduler == Scheduler::local ? 1 : 2;
  r.resubmits = 2;
  return r;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

SiteSpec minimal(const std::string& extra = "") {
  return parse_site("scheduler: slurm\nlauncher: srun\ncores_per_node: 8\nworkers_per_node: 2\n" + extra,
                    "t.yaml", "t");
}

}  // namespace

TEST_CASE("every shipped site renders exactly its golden script", "[site][golden]") {
  const fs::path goldens = fs::path(SV_SOURCE_ROOT) / "tests" / "golden";
  const bool update = std::getenv("SV_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(SV_SOURCE_ROOT) / "site_configs")) {
    if (entry.path().extension() != ".yaml") continue;
    SiteSpec site = load_site(entry.path().string());
    const std::string script = render_job_script(site, golden_request(site));
    const fs::path golden = goldens / (site.name + ".sh");
    INFO("site " << site.name << ", golden " << golden.string()
                 << " (regenerate: SV_UPDATE_GOLDEN=1 sv_test_site \"[golden]\")");
    if (update) {
      fs::create_directories(goldens);
      std::ofstream(golden, std::ios::binary) << script;
    }
    REQUIRE(fs::exists(golden));
    CHECK(script == read(golden));
    ++count;
  }
  CHECK(count >= 11);
}

TEST_CASE("every golden belongs to a shipped site", "[site][golden]") {
  for (const auto& entry : fs::directory_iterator(fs::path(SV_SOURCE_ROOT) / "tests" / "golden")) {
    if (entry.path().extension() != ".sh") continue;
    INFO(entry.path().string());
    CHECK(fs::exists(fs::path(SV_SOURCE_ROOT) / "site_configs" / (entry.path().stem().string() + ".yaml")));
  }
}

TEST_CASE("ranks are nodes x workers_per_node + 1; the first node carries the server", "[site]") {
  SiteSpec s = minimal();
  JobLayout l = job_layout(s, 3);
  CHECK(l.workers == 6);
  CHECK(l.ranks == 7);
  CHECK(l.ranks_per_node == 3);
  CHECK(l.cores_per_rank == 2);  // 8 cores / 3 ranks
  CHECK(job_layout(s, 1).ranks == 3);
}

TEST_CASE("Summit renders LSF/jsrun conventions: one resource set per GPU worker plus the server's",
          "[site]") {
  SiteSpec summit = find_site("summit");
  JobRequest r = golden_request(summit);
  r.nodes = 4;
  r.walltime_s = 90 * 60 + 1;
  r.project = "BIF123";
  const std::string script = render_job_script(summit, r);
  CHECK(contains(script, "\n#BSUB -nnodes 4\n"));
  CHECK(contains(script, "\n#BSUB -P BIF123\n"));
  CHECK(contains(script, "\n#BSUB -W 91\n"));  // minutes, rounded up
  // 4 nodes x 5 workers + the server = 21 resource sets of 1 task, 7 cores and 1 GPU each.
  CHECK(contains(script, "jsrun -n 21 -a 1 -c 7 -g 1 -r 6 -b packed:7 "));
  CHECK_FALSE(contains(script, "SV_GPUS_PER_WORKER"));  // jsrun narrows CUDA_VISIBLE_DEVICES itself
}

TEST_CASE("command-line values are checked before they reach a script", "[site]") {
  SiteSpec s = minimal();
  JobRequest r = golden_request(s);
  r.queue = "debug;reboot";
  CHECK_THROWS_WITH(render_job_script(s, r), Catch::StartsWith("--queue 'debug;reboot': expected letters"));
  r = golden_request(s);
  r.project = "-A evil";
  CHECK_THROWS_AS(render_job_script(s, r), sv::core::UsageError);
  r = golden_request(s);
  r.run_dir = "/scratch/my runs/x";
  CHECK_THROWS_WITH(render_job_script(s, r),
                    Catch::StartsWith("--out '/scratch/my runs/x': the run directory"));
  r = golden_request(s);
  r.workflow = "relative.yaml";
  CHECK_THROWS_AS(render_job_script(s, r), sv::core::UsageError);
}

TEST_CASE("paths and environment values are shell-quoted", "[site]") {
  SiteSpec s = minimal("env: {GREETING: \"it's $HOME; `x`\"}\n");
  JobRequest r = golden_request(s);
  r.workflow = "/home/user/my campaign/$(x).yaml";
  const std::string script = render_job_script(s, r);
  CHECK(contains(script, "export GREETING='it'\\''s $HOME; `x`'\n"));
  CHECK(contains(script, " run '/home/user/my campaign/$(x).yaml' --out /scratch/user/runs/campaign &\n"));
}

TEST_CASE("a Slurm job asks for the warning signal and its shell passes signals on to the launcher as USR1",
          "[site]") {
  SiteSpec s = minimal();
  JobRequest r = golden_request(s);
  r.walltime_s = 3600;
  const std::string script = render_job_script(s, r);
  CHECK(contains(script, "#SBATCH --signal=B:USR1@300\n"));  // the default drain margin: 10%, at most 5 min
  CHECK(contains(script, "trap sv_forward TERM USR1 INT\n"));
  CHECK(contains(script, "kill -USR1 \"$sv_launcher\""));
  // The launcher runs in the background so the shell can act on a signal while it waits.
  CHECK(contains(script, "srun -N \"$sv_nodes\" -n \"$sv_ranks\" /opt/supervisor/bin/supervisor resume "
                         "/scratch/user/runs/campaign &\n"));
  r.walltime_s = 60;
  CHECK(contains(render_job_script(s, r), "#SBATCH --signal=B:USR1@10\n"));
}

TEST_CASE("a Slurm chain queues the successor when the job starts, on the nodes the job got or fewer",
          "[site]") {
  SiteSpec s = minimal();
  JobRequest r = golden_request(s);
  const std::string script = render_job_script(s, r);
  const std::string call =
      "/opt/supervisor/bin/supervisor submit --continue /scratch/user/runs/campaign --after \"$SLURM_JOB_ID\" "
      "--nodes 2\n";
  // Once before the launch (queued behind this job), once after (kept or cancelled).
  const auto first = script.find(call), launch = script.find("sv_launcher=$!"), last = script.rfind(call);
  REQUIRE(first != std::string::npos);
  CHECK(first < launch);
  CHECK(last > launch);
  CHECK(contains(script, "sv_nodes=${SLURM_JOB_NUM_NODES:-2}\nsv_ranks=$((sv_nodes * 2 + 1))\n"));
  r.resubmits = 0;
  CHECK_FALSE(contains(render_job_script(s, r), "--continue"));
}

TEST_CASE("shell quoting and walltimes", "[site]") {
  CHECK(shell_quote("/a/b-c_d.e") == "/a/b-c_d.e");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  // The grammar is core::parse_walltime's (tests/cpp/core/walltime_test.cpp); directives take whole seconds.
  CHECK(whole_walltime("1:00:00") == 3600);
  CHECK(whole_walltime("48:00:00") == 48 * 3600);
  CHECK(whole_walltime("0:00:30") == 30);
  CHECK(whole_walltime("1:00") == 60);
  CHECK(whole_walltime("90.2") == 91);
  CHECK(whole_walltime("0:00:00") == -1);
  CHECK(whole_walltime("1:60:00") == -1);
  CHECK(whole_walltime("1:00:00:00") == -1);
  CHECK(whole_walltime("a:00:00") == -1);
  CHECK(format_walltime(3723) == "1:02:03");
}

TEST_CASE("a packed site exports workers per GPU and MPS sharing for the workers", "[site][gpu][packing]") {
  SiteSpec s = parse_site("scheduler: slurm\nlauncher: srun\ncores_per_node: 32\nworkers_per_node: 16\ngpus_per_node: 4\n"
                 "workers_per_gpu: 4\ngpu_sharing: mps\ngpu_vendor: nvidia\n",
                 "packed.yaml", "packed");
  JobRequest r = golden_request(s);
  const std::string script = render_job_script(s, r);
  CHECK(contains(script, "export SV_GPUS_PER_WORKER=1\n"));
  CHECK(contains(script, "export SV_WORKERS_PER_GPU=4\n"));
  CHECK(contains(script, "export SV_GPU_SHARING=mps\n"));
  // 16 workers at 4 per GPU need 4 GPUs; 17 would not fit on a node of 4.
  CHECK_THROWS_AS(parse_site("scheduler: slurm\nlauncher: srun\ncores_per_node: 32\nworkers_per_node: 17\n"
                             "gpus_per_node: 4\nworkers_per_gpu: 4\n", "packed.yaml", "packed"),
                  sv::core::ConfigError);
}
