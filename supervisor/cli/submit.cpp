// `supervisor submit`: site file + workflow → runs/<run>/job.sh → scheduler → job id in the store.
// The run directory contract: submit creates the directory and the store (status "submitted"); the job's
// `supervisor run WORKFLOW --out RUN_DIR` continues that store, and a successor's `supervisor resume
// RUN_DIR` continues whatever the previous job left. Every job handed to a scheduler is one row of the
// store's submissions table, so `status` shows the chain.
#include "cli/submit.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "cli/preflight.hpp"
#include "cli/job_plan.hpp"
#include "cli/launch.hpp"
#include "cli/resubmit_rule.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/run_dir.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "engine/workflow.hpp"
#include "site/job_script.hpp"
#include "site/script_text.hpp"
#include "site/site.hpp"
#include "site/submit.hpp"
#include "spec/parse.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace sv::cli {

namespace {

void write_file(const fs::path& path, const std::string& text, fs::perms perms) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw core::UsageError(path.string() + ": cannot write (is the run directory writable?)");
  }
  std::error_code ec;
  fs::permissions(path, perms, ec);
}

// Undoes the store of a submission the scheduler refused, so the same --out can be used again.
void remove_store(const std::string& run_dir) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(store_path(run_dir) + suffix, ec);
}

std::string plural(int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

// The job queued behind `after` while `after` runs (the chain's last row, `after` being an earlier one), or
// nullptr.
const store::SubmissionRow* queued_behind(const std::vector<store::SubmissionRow>& chain, const std::string& after) {
  if (after.empty() || chain.size() < 2 || chain.back().job_id == after) return nullptr;
  for (std::size_t i = 0; i + 1 < chain.size(); ++i)
    if (chain[i].job_id == after) return &chain.back();
  return nullptr;
}

// At the end of job `after`: its queued successor stays when the run goes on, and is cancelled when the
// run is done or would fail the same way again.
int settle_queued(store::Store& store, const std::string& run_dir, const store::SubmissionRow& queued,
                  const std::string& after, int jobs) {
  const std::string status = store.run().status;
  const ResubmitDecision decision = status == "done" ? ResubmitDecision{false, "done"} : decide_resubmit(store);
  if (decision.resubmit) {
    std::printf("supervisor: %s: run %s; successor job %s is queued behind job %s\n", run_dir.c_str(),
                decision.reason.c_str(), queued.job_id.c_str(), after.c_str());
    return 0;
  }
  site::cancel_job(site::scheduler_from_string(queued.scheduler), queued.job_id);
  store.add_event("chain", "cancelled queued successor job " + queued.job_id + ": run " + decision.reason,
                  core::wall_now());
  store.flush();
  if (status == "done") {
    std::printf("supervisor: %s: run done after %s; cancelled queued successor job %s\n", run_dir.c_str(),
                plural(jobs, "job").c_str(), queued.job_id.c_str());
    return 0;
  }
  std::fprintf(stderr,
               "supervisor: %s: run %s; cancelled queued successor job %s. Fix the cause, then `supervisor "
               "resume %s` inside an allocation\n",
               run_dir.c_str(), decision.reason.c_str(), queued.job_id.c_str(), run_dir.c_str());
  return 1;
}

int submit_continue(const std::string& dir, const std::string& after, int max_nodes) {
  if (!after.empty() && !site::is_job_id(after))
    throw core::UsageError("--after '" + after + "': expected the running job's id");
  const std::string run_dir = fs::absolute(dir).lexically_normal().string();
  if (!fs::exists(store_path(run_dir)))
    throw core::UsageError(run_dir + ": not a run directory (no supervisor.db inside)");
  auto store = store::Store::open(store_path(run_dir), store::OpenMode::read_write);
  const std::string status = store->run().status;
  const auto chain = store->submissions();
  if (chain.empty())
    throw core::UsageError(run_dir +
                           ": was not started by `supervisor submit` (no submissions recorded); "
                           "continue it with `supervisor resume " +
                           run_dir + "`");
  const store::SubmissionRow& last = chain.back();
  if (const auto* queued = queued_behind(chain, after))
    return settle_queued(*store, run_dir, *queued, after, static_cast<int>(chain.size()) - 1);
  if (status == "done") {
    std::printf("supervisor: %s: run done after %s; no successor submitted\n", run_dir.c_str(),
                plural(static_cast<int>(chain.size()), "job").c_str());
    return 0;
  }
  // A job starting a run that no job has started yet (`submitted`) queues its successor whatever the rule
  // for such runs says about a job that has ended.
  const ResubmitDecision decision = !after.empty() && status == "submitted"
                                        ? ResubmitDecision{true, "starting in job " + after}
                                        : decide_resubmit(*store);
  if (!decision.resubmit) {
    // Recorded, so `status` and whoever reads the store later see why the chain ended here.
    store->add_event("chain", "no successor submitted: run " + decision.reason, core::wall_now());
    store->flush();
    std::fprintf(stderr,
                 "supervisor: %s: run %s; no successor submitted. Fix the cause, then `supervisor resume %s` "
                 "inside an allocation\n",
                 run_dir.c_str(), decision.reason.c_str(), run_dir.c_str());
    return 1;
  }
  if (last.resubmits_left <= 0) {
    std::printf(
        "supervisor: %s: run %s after %s and no resubmissions are left; continue it with "
        "`supervisor resume %s` inside an allocation\n",
        run_dir.c_str(), status.c_str(), plural(static_cast<int>(chain.size()), "job").c_str(),
        run_dir.c_str());
    return 0;
  }
  if (!fs::exists(last.script))
    throw core::UsageError(last.script + ": the job script of " + run_dir + " is gone; cannot resubmit");
  const site::Scheduler scheduler = site::scheduler_from_string(last.scheduler);
  const site::QueuedAfter behind{after, max_nodes};
  const std::string job_id =
      site::submit_job(scheduler, last.script, run_dir, site::JobMode::resume, after.empty() ? nullptr : &behind);
  store::SubmissionRow row = last;
  row.id = 0;
  row.time = core::wall_now();
  row.job_id = job_id;
  row.resubmits_left = last.resubmits_left - 1;
  store->add_submission(row);
  if (!after.empty()) {
    std::printf("supervisor: %s: queued successor job %s behind job %s, on at most %s (%s left)\n",
                run_dir.c_str(), job_id.c_str(), after.c_str(), plural(max_nodes, "node").c_str(),
                plural(row.resubmits_left, "resubmission").c_str());
    return 0;
  }
  std::printf("supervisor: %s: run %s; submitted successor job %s to %s (%s left)\n", run_dir.c_str(),
              decision.reason.c_str(), job_id.c_str(), last.scheduler.c_str(),
              plural(row.resubmits_left, "resubmission").c_str());
  return 0;
}

}  // namespace

int cmd_submit(const SubmitArgs& args) {
  if (!args.continue_dir.empty()) return submit_continue(args.continue_dir, args.after, std::max(args.nodes, 1));
  if (!args.after.empty()) throw core::UsageError("--after goes with --continue RUN_DIR");
  if (args.workflow.empty()) throw core::UsageError("submit needs a workflow file (or --continue RUN_DIR)");

  // Step 1: the inputs, each checked before anything is written.
  spec::WorkflowSpec spec = spec::load_workflow(args.workflow);
  engine::make_workflow(spec);
  preflight(spec, Checks::optimizer);
  site::SiteSpec site = site::find_site(args.site.empty() ? spec.site : args.site);
  int walltime = 0;
  if (!args.walltime.empty()) {
    // The same check as `run --walltime`, then whole seconds for the batch directives.
    walltime = static_cast<int>(std::ceil(parse_walltime("--walltime", args.walltime)));
  }
  const int nodes = args.nodes > 0
                        ? args.nodes
                        : (spec.resources.workers + site.workers_per_node - 1) / site.workers_per_node;
  const std::string run_dir =
      fs::absolute(args.out_dir.empty() ? "runs/" + core::sanitize_name(spec.name) + "-" +
                                              core::timestamp_for_path(core::wall_now())
                                        : args.out_dir)
          .lexically_normal()
          .string();
  if (fs::exists(store_path(run_dir)))
    throw core::UsageError(run_dir +
                           ": already holds a run; choose another --out (runs are never overwritten)");

  site::JobRequest req;
  req.job_name = ("sv-" + core::sanitize_name(spec.name)).substr(0, 40);
  req.binary = self_executable();
  req.workflow = spec.source_path;
  req.run_dir = run_dir;
  req.nodes = nodes;
  req.queue = args.queue;
  req.project = args.project;
  req.walltime_s = walltime;
  req.resubmits = args.resubmit;
  const std::string script_text = site::render_job_script(site, req);
  const site::JobLayout layout = site::job_layout(site, nodes);

  // Step 2: the run directory and its script.
  std::error_code ec;
  fs::create_directories(core::RunDir(run_dir).tasks(), ec);  // core/run_dir names the layout
  if (ec) throw core::UsageError(run_dir + ": cannot create the run directory (" + ec.message() + ")");
  const std::string script = core::RunDir(run_dir).job_script();
  write_file(script, script_text,
             fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                 fs::perms::others_exec);
  const std::string shape = "site " + site.name + ": " + plural(layout.nodes, "node") + ", " +
                            plural(layout.workers, "worker") + ", " + std::to_string(layout.ranks) +
                            " MPI ranks";
  if (args.dry_run) {
    std::fputs(script_text.c_str(), stdout);
    std::fprintf(stderr, "supervisor: dry run: wrote %s (%s); no store created, nothing submitted\n",
                 script.c_str(), shape.c_str());
    return 0;
  }

  // Step 3: the store first, so the job never starts without one; then the scheduler.
  write_file(core::RunDir(run_dir).workflow_copy(), spec.source_text,
             fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  auto store = store::Store::create(store_path(run_dir), new_run_info(spec, run_dir, "submitted"));
  std::string job_id;
  try {
    job_id = site::submit_job(site.scheduler, script, run_dir, site::JobMode::run);
  } catch (const core::Error& e) {
    store.reset();
    remove_store(run_dir);
    throw core::UsageError(std::string(e.what()) + " (nothing was submitted; the script is " + script + ")");
  }
  store::SubmissionRow row;
  row.time = core::wall_now();
  row.scheduler = site::to_string(site.scheduler);
  row.job_id = job_id;
  row.script = script;
  row.site = site.name;
  row.resubmits_left = args.resubmit;
  store->add_submission(row);
  std::printf("submitted job %s to %s (%s)\nrun directory: %s\n", job_id.c_str(), row.scheduler.c_str(),
              shape.c_str(), run_dir.c_str());
  return 0;
}

}  // namespace sv::cli
