// Site YAML → SiteSpec, through spec::YamlReader so every error is one located line
// (`perlmutter.yaml:7: workers_per_node: expected an integer ≥ 1, got "four"`), then the cross-key checks
// that make a layout impossible (more GPUs asked than a node has, a launcher the scheduler does not run).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/errors.hpp"
#include "core/resource_dir.hpp"
#include "site/script_text.hpp"
#include "site/site.hpp"
#include "spec/yaml_reader.hpp"

#ifndef SV_SITE_CONFIGS_DIR
#define SV_SITE_CONFIGS_DIR "site_configs"
#endif

namespace sv::site {

namespace fs = std::filesystem;
using spec::Field;
using spec::Mapping;
using spec::YamlReader;

const char* to_string(Scheduler s) {
  switch (s) {
    case Scheduler::local:
      return "local";
    case Scheduler::slurm:
      return "slurm";
    case Scheduler::lsf:
      return "lsf";
    case Scheduler::pbs:
      return "pbs";
    case Scheduler::cobalt:
      return "cobalt";
  }
  return "?";
}

const char* to_string(Launcher l) {
  switch (l) {
    case Launcher::mpiexec:
      return "mpiexec";
    case Launcher::srun:
      return "srun";
    case Launcher::jsrun:
      return "jsrun";
    case Launcher::aprun:
      return "aprun";
  }
  return "?";
}

const char* to_string(GpuVendor v) {
  switch (v) {
    case GpuVendor::none:
      return "none";
    case GpuVendor::nvidia:
      return "nvidia";
    case GpuVendor::amd:
      return "amd";
  }
  return "?";
}

const char* to_string(GpuBinding b) {
  switch (b) {
    case GpuBinding::supervisor:
      return "supervisor";
    case GpuBinding::launcher:
      return "launcher";
    case GpuBinding::none:
      return "none";
  }
  return "?";
}

namespace {

std::string checked(const YamlReader& r, const Field& f, bool (*ok)(std::string_view), const char* what) {
  std::string value = r.string(f);
  if (!ok(value)) r.fail(f, std::string("expected ") + what + ", got " + YamlReader::describe(f.node));
  return value;
}

std::vector<std::string> checked_list(const YamlReader& r, const Field& f, bool (*ok)(std::string_view),
                                      const char* what) {
  std::vector<std::string> out;
  for (const Field& item : r.items(f)) out.push_back(checked(r, item, ok, what));
  return out;
}

bool is_absolute_line(std::string_view s) { return !s.empty() && s[0] == '/' && is_single_line(s); }

bool is_directive(std::string_view s) {
  return !s.empty() && s.find_first_not_of(' ') != std::string_view::npos && is_single_line(s);
}

bool is_select(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_=:.+-", c))) return false;
  return true;
}

}  // namespace

SiteSpec parse_site(const std::string& text, const std::string& origin, const std::string& default_name) {
  YamlReader r(origin, "");
  std::vector<YAML::Node> docs = r.load(text);
  if (docs.empty() || (docs.size() == 1 && docs[0].IsNull()))
    r.fail(YAML::Mark::null_mark(), "",
           "the site file is empty (write at least scheduler, launcher, "
           "cores_per_node and workers_per_node)");
  if (docs.size() > 1)
    r.fail(docs[1].Mark(), "", "a second YAML document starts here (a site file holds one)");
  Mapping top = r.mapping(r.root(docs[0]), {"name",
                                            "description",
                                            "scheduler",
                                            "launcher",
                                            "launcher_args",
                                            "cores_per_node",
                                            "gpus_per_node",
                                            "workers_per_node",
                                            "gpus_per_worker",
                                            "workers_per_gpu",
                                            "gpu_sharing",
                                            "gpu_vendor",
                                            "gpu_env",
                                            "gpu_binding",
                                            "modules",
                                            "env",
                                            "python",
                                            "r",
                                            "queue",
                                            "project",
                                            "walltime",
                                            "pbs_select",
                                            "directives"});

  SiteSpec site;
  site.name = default_name;
  site.scheduler = r.choice<Scheduler>(r.require(top, "scheduler", "one of slurm, lsf, pbs, cobalt, local"),
                                       {{"slurm", Scheduler::slurm},
                                        {"lsf", Scheduler::lsf},
                                        {"pbs", Scheduler::pbs},
                                        {"cobalt", Scheduler::cobalt},
                                        {"local", Scheduler::local}});
  const Field& launcher_field = r.require(top, "launcher", "one of srun, jsrun, mpiexec, aprun");
  site.launcher = r.choice<Launcher>(launcher_field, {{"srun", Launcher::srun},
                                                      {"jsrun", Launcher::jsrun},
                                                      {"mpiexec", Launcher::mpiexec},
                                                      {"aprun", Launcher::aprun}});
  site.cores_per_node = r.integer(r.require(top, "cores_per_node", "CPU cores of one compute node"), 1);
  const Field& wpn_field = r.require(top, "workers_per_node", "worker ranks started on each node");
  site.workers_per_node = r.integer(wpn_field, 1);

  const Field* vendor_field = nullptr;
  const Field* binding_field = nullptr;
  const Field* gpw_field = nullptr;
  for (const Field& f : top.fields) {
    if (f.key == "name") {
      site.name = checked(r, f, is_safe_name, "a name of letters, digits and ._-");
    } else if (f.key == "description") {
      site.description = checked(r, f, is_single_line, "one line of text");
    } else if (f.key == "launcher_args") {
      site.launcher_args = checked_list(r, f, is_single_line, "one argument per item, on one line");
    } else if (f.key == "gpus_per_node") {
      site.gpus_per_node = r.integer(f, 0);
    } else if (f.key == "gpus_per_worker") {
      site.gpus_per_worker = r.integer(f, 0);
      gpw_field = &f;
    } else if (f.key == "workers_per_gpu") {
      site.workers_per_gpu = r.integer(f, 1, "how many workers share each GPU");
      site.gpus_per_worker = 1;
      gpw_field = &f;
    } else if (f.key == "gpu_sharing") {
      site.gpu_sharing = r.choice<spec::GpuSharing>(
          f, {{"time_slicing", spec::GpuSharing::time_slicing}, {"mps", spec::GpuSharing::mps}});
    } else if (f.key == "gpu_vendor") {
      site.gpu_vendor = r.choice<GpuVendor>(
          f, {{"nvidia", GpuVendor::nvidia}, {"amd", GpuVendor::amd}, {"none", GpuVendor::none}});
      vendor_field = &f;
    } else if (f.key == "gpu_env") {
      site.gpu_env = r.choice<std::string>(f, {{"CUDA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES"},
                                               {"ROCR_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES"},
                                               {"HIP_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"}});
    } else if (f.key == "gpu_binding") {
      site.gpu_binding = r.choice<GpuBinding>(f, {{"supervisor", GpuBinding::supervisor},
                                                  {"launcher", GpuBinding::launcher},
                                                  {"none", GpuBinding::none}});
      binding_field = &f;
    } else if (f.key == "modules") {
      site.modules = checked_list(r, f, is_module_name, "a module name of letters, digits and ._+/@:-");
    } else if (f.key == "env") {
      for (const Field& entry : r.mapping(f).fields) {
        if (!is_env_name(entry.key))
          r.fail(entry, "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
        if (entry.key.rfind("SV_", 0) == 0)
          r.fail(entry, "SV_ variables are set by `supervisor submit` from the site's keys; remove it");
        site.env[entry.key] = checked(r, entry, is_single_line, "a value on one line");
      }
    } else if (f.key == "python") {
      site.python = checked(r, f, is_absolute_line, "an absolute path to a Python interpreter");
    } else if (f.key == "r") {
      site.r = checked(r, f, is_absolute_line, "an absolute path to Rscript");
    } else if (f.key == "queue") {
      site.queue = checked(r, f, is_safe_name, "a queue name of letters, digits and ._@:+-");
    } else if (f.key == "project") {
      site.project = checked(r, f, is_safe_name, "a project name of letters, digits and ._@:+-");
    } else if (f.key == "walltime") {
      site.walltime_s = whole_walltime(r.string(f));
      if (site.walltime_s <= 0)
        r.fail(f, "expected a walltime H:MM:SS, got " + YamlReader::describe(f.node) +
                      " (write e.g. \"2:00:00\")");
    } else if (f.key == "pbs_select") {
      site.pbs_select =
          checked(r, f, is_select, "resource chunks like \"system=polaris\" (letters, digits, =:._+-)");
    } else if (f.key == "directives") {
      site.directives =
          checked_list(r, f, is_directive, "a directive on one line, without its #SBATCH-style prefix");
    }
  }

  // Cross-key checks: a site that cannot lay out its ranks fails here, not in a queue hours later.
  if (site.gpus_per_worker > 0) {
    if (site.gpus_per_node == 0)
      r.fail(*gpw_field, "workers need GPUs but gpus_per_node is 0 (set gpus_per_node)");
    if (site.gpu_vendor == GpuVendor::none) {
      if (vendor_field) r.fail(*vendor_field, "workers need GPUs; expected nvidia or amd");
      site.gpu_vendor = GpuVendor::nvidia;
    }
    if (site.workers_per_gpu > 1 && top.find("gpus_per_worker") && top.find("gpus_per_worker")->node.as<int>(0) != 1)
      r.fail(*top.find("workers_per_gpu"), "packs workers on one GPU, so gpus_per_worker must be 1 (or left out)");
    // Packed: K workers need one GPU between them (rounded up).
    long needed = site.workers_per_gpu > 1
                      ? (static_cast<long>(site.workers_per_node) + site.workers_per_gpu - 1) / site.workers_per_gpu
                      : static_cast<long>(site.workers_per_node) * site.gpus_per_worker;
    if (needed > site.gpus_per_node)
      r.fail(wpn_field, std::to_string(site.workers_per_node) + " workers × " +
                            std::to_string(site.gpus_per_worker) + " GPUs need " + std::to_string(needed) +
                            " GPUs per node, but gpus_per_node is " + std::to_string(site.gpus_per_node));
    if (!binding_field)
      site.gpu_binding = site.launcher == Launcher::jsrun ? GpuBinding::launcher : GpuBinding::supervisor;
  } else if (binding_field && site.gpu_binding != GpuBinding::none) {
    r.fail(*binding_field, "gpu_binding needs gpus_per_worker ≥ 1");
  }
  if (site.launcher == Launcher::jsrun) {
    // Every jsrun resource set has one shape, so the server's takes a worker's cores and GPUs too.
    if (site.cores_per_node < site.workers_per_node + 1)
      r.fail(wpn_field,
             "jsrun needs a resource set of at least one core per worker plus one for the server: "
             "workers_per_node + 1 must be ≤ cores_per_node");
    long needed = static_cast<long>(site.workers_per_node + 1) * site.gpus_per_worker;
    if (needed > site.gpus_per_node)
      r.fail(wpn_field,
             "jsrun resource sets are all alike, so the server's takes gpus_per_worker GPUs too: "
             "(workers_per_node + 1) × gpus_per_worker = " +
                 std::to_string(needed) + " exceeds gpus_per_node " + std::to_string(site.gpus_per_node) +
                 " (use one worker per node fewer)");
  }
  bool fits = site.scheduler == Scheduler::slurm
                  ? site.launcher == Launcher::srun || site.launcher == Launcher::mpiexec
              : site.scheduler == Scheduler::lsf
                  ? site.launcher == Launcher::jsrun || site.launcher == Launcher::mpiexec
              : site.scheduler == Scheduler::local
                  ? site.launcher == Launcher::mpiexec
                  : site.launcher == Launcher::aprun || site.launcher == Launcher::mpiexec;
  if (!fits)
    r.fail(launcher_field,
           std::string("a ") + to_string(site.scheduler) + " site cannot launch with " +
               to_string(site.launcher) +
               " (srun goes with slurm, jsrun with lsf, aprun with pbs or cobalt, mpiexec with any)");
  return site;
}

SiteSpec load_site(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw core::ConfigError(path + ": cannot read site file (it is a folder)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::ConfigError(path + ": cannot read site file (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  SiteSpec site = parse_site(text.str(), path, fs::path(path).stem().string());
  site.source_path = fs::absolute(path).lexically_normal().string();
  return site;
}

std::vector<std::string> site_search_path() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("SV_SITE_PATH")) {
    std::string all = env;
    size_t start = 0;
    while (start <= all.size()) {
      size_t colon = all.find(':', start);
      std::string dir = all.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!dir.empty()) dirs.push_back(dir);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  dirs.push_back(core::resource_dir("SV_SITE_CONFIGS_DIR", SV_SITE_CONFIGS_DIR, "site_configs"));
  return dirs;
}

std::vector<std::string> available_sites() {
  std::set<std::string> names;
  for (const auto& dir : site_search_path()) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.extension() == ".yaml" || p.extension() == ".yml") names.insert(p.stem().string());
    }
  }
  return {names.begin(), names.end()};
}

SiteSpec find_site(const std::string& name_or_path) {
  auto ends_with = [&](const char* suffix) {
    std::string_view s(name_or_path), x(suffix);
    return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
  };
  if (name_or_path.find('/') != std::string::npos || ends_with(".yaml") || ends_with(".yml"))
    return load_site(name_or_path);
  if (!is_safe_name(name_or_path))
    throw core::ConfigError("site '" + name_or_path +
                            "': not a site name (letters, digits and ._-) or a path to a .yaml file");
  std::string searched;
  for (const auto& dir : site_search_path()) {
    for (const char* ext : {".yaml", ".yml"}) {
      fs::path candidate = fs::path(dir) / (name_or_path + ext);
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return load_site(candidate.string());
    }
    searched += (searched.empty() ? "" : ", ") + dir;
  }
  std::string known;
  for (const auto& n : available_sites()) known += (known.empty() ? "" : ", ") + n;
  throw core::ConfigError("site '" + name_or_path + "': no " + name_or_path + ".yaml in " + searched +
                          " (known sites: " + (known.empty() ? "none" : known) +
                          "; add folders with SV_SITE_PATH or give a path to a site file)");
}

}  // namespace sv::site
