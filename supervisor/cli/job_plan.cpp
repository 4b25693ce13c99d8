#include "cli/job_plan.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/run_dir.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "spec/diff.hpp"
#include "spec/parse.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace sv::cli {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string absolute(const std::string& p) { return fs::absolute(p).lexically_normal().string(); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// A fresh run writes workflow.yaml and tasks/ into its folder: one that holds anything else is the
// user's, and is left as it is.
void refuse_foreign_folder(const std::string& dir) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dir, ec);
  if (ec || !fs::exists(st)) return;
  if (!fs::is_directory(fs::status(dir, ec)))
    throw core::UsageError(dir + ": --out names a file, not a folder; choose a new folder for the run");
  if (!fs::is_empty(dir, ec) || ec)
    throw core::UsageError(dir + ": --out names a folder that is not empty and holds no run (no supervisor.db); "
                                 "choose a new or empty folder (a run never writes over other files)");
}

}  // namespace

store::RunInfo new_run_info(const spec::WorkflowSpec& spec, const std::string& out_dir, const std::string& status) {
  store::RunInfo info;
  info.name = spec.name;
  info.workflow = spec::to_string(spec.kind);
  info.spec_text = spec.source_text;
  info.spec_hash = core::hash_hex(spec.source_text);
  info.spec_path = spec.source_path;
  info.out_dir = out_dir;
  info.status = status;
  info.created = info.updated = core::wall_now();
  return info;
}

JobPlan plan_job(const RunArgs& args) {
  JobPlan plan;
  std::string file_text;
  std::string file_path;
  if (!args.workflow.empty()) {
    plan.spec = spec::load_workflow(args.workflow);  // checks the file before anything else
    file_text = plan.spec.source_text;
    file_path = plan.spec.source_path;
  }
  if (!args.out_dir.empty()) {
    plan.out_dir = absolute(args.out_dir);
  } else if (!args.workflow.empty()) {
    plan.out_dir = absolute("runs/" + core::sanitize_name(plan.spec.name) + "-" +
                            core::timestamp_for_path(core::wall_now()));
  } else {
    throw core::UsageError("resume needs the run directory");
  }

  std::string db = store_path(plan.out_dir);
  if (!fs::exists(db)) {
    if (args.workflow.empty())
      throw core::UsageError(plan.out_dir + ": not a run directory (no supervisor.db inside)");
    refuse_foreign_folder(plan.out_dir);
    return plan;  // fresh (a `run --resume` of a run that never started starts it)
  }

  auto store = store::Store::open(db, store::OpenMode::read_only);
  store::RunInfo run = store->run();
  if (!args.resume && run.status != "submitted")
    throw core::UsageError(plan.out_dir + ": already holds a run (status " + run.status +
                           "); continue it with `supervisor resume " + plan.out_dir +
                           "` or choose another --out (runs are never overwritten)");
  plan.mode = JobPlan::Mode::resume;

  // The file to compare against the run's own copy: the one named now, else the one the run started from.
  if (file_path.empty() && !run.spec_path.empty() && fs::exists(run.spec_path)) {
    file_path = run.spec_path;
    file_text = read_text(run.spec_path);
  }
  std::string text = run.spec_text;
  if (!file_path.empty() && file_text != run.spec_text) {
    auto changed = spec::changed_sections(run.spec_text, file_text);
    if (!changed.empty()) {
      if (!args.force)
        throw core::UsageError(file_path + ": changed since the run started (" + join(changed) +
                               "); resume with --force to use the new file, or restore it");
      plan.spec_changed = true;
      text = file_text;
    }
  }
  std::string origin = run.spec_path.empty() ? core::RunDir(plan.out_dir).workflow_copy() : run.spec_path;
  if (plan.spec_changed && !file_path.empty()) origin = file_path;
  plan.spec = spec::parse_workflow(text, origin, fs::path(origin).parent_path().string());
  plan.spec.source_path = origin;
  return plan;
}

}  // namespace sv::cli
