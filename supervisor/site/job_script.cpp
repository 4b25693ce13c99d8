// Rendering a batch script. One function per part (directives, environment, launch, successor); the
// scheduler-specific parts are small tables of directives, the rest is common to every site.
#include "site/job_script.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "core/errors.hpp"
#include "core/run_dir.hpp"
#include "core/walltime.hpp"
#include "site/script_text.hpp"

namespace sv::site {

namespace {

int minutes_up(int seconds) { return (seconds + 59) / 60; }

// Seconds before the time limit at which Slurm sends the warning signal: the margin `supervisor run`
// drains at by default (core/walltime.hpp).
int warning_signal_s(int walltime) { return static_cast<int>(core::default_drain_margin_s(walltime)); }

// The launcher's words as shell text. Under Slurm the ranks follow the nodes the job got (SLURM_JOB_NUM_NODES),
// which for a successor queued behind a job may be fewer than asked: the nodes left when one died.
std::string launch_text(const SiteSpec& site, const JobLayout& l) {
  if (site.scheduler != Scheduler::slurm || site.launcher != Launcher::srun)
    return shell_join(launcher_words(site, l));
  std::string text = "srun -N \"$sv_nodes\" -n \"$sv_ranks\"";
  if (!site.launcher_args.empty()) text += " " + shell_join(site.launcher_args);
  return text;
}

const char* directive_prefix(Scheduler s) {
  switch (s) {
    case Scheduler::slurm:
      return "#SBATCH";
    case Scheduler::lsf:
      return "#BSUB";
    case Scheduler::pbs:
      return "#PBS";
    case Scheduler::cobalt:
      return "#COBALT";
    case Scheduler::local:
      return "";
  }
  return "";
}

// The scheduler's own directives, without the prefix; the site's extra ones follow them.
std::vector<std::string> scheduler_directives(const SiteSpec& site, const JobRequest& req, const JobLayout& l,
                                              const std::string& queue, const std::string& project,
                                              int walltime) {
  std::vector<std::string> d;
  const std::string& run = req.run_dir;
  switch (site.scheduler) {
    case Scheduler::slurm:
      d.push_back("--job-name=" + req.job_name);
      d.push_back("--nodes=" + std::to_string(l.nodes));
      d.push_back("--ntasks=" + std::to_string(l.ranks));
      d.push_back("--time=" + format_walltime(walltime));
      if (!queue.empty()) d.push_back("--partition=" + queue);
      if (!project.empty()) d.push_back("--account=" + project);
      d.push_back("--output=" + core::RunDir(run).job_output("-%j.out"));
      // The warning ahead of the time limit, to the batch shell (B:), which passes it on: every rank drains.
      d.push_back("--signal=B:USR1@" + std::to_string(warning_signal_s(walltime)));
      // A chain's successor is queued behind this job; Slurm's own requeue on a node failure would hold
      // the job (and so the successor) until every node it asked for is back.
      if (req.resubmits > 0) d.push_back("--no-requeue");
      break;
    case Scheduler::lsf:
      d.push_back("-J " + req.job_name);
      if (site.launcher == Launcher::jsrun) {
        d.push_back("-nnodes " + std::to_string(l.nodes));  // CSM: whole nodes, jsrun places the ranks
      } else {
        d.push_back("-n " + std::to_string(l.ranks));
        d.push_back("-R \"span[ptile=" + std::to_string(l.ranks_per_node) + "]\"");
      }
      d.push_back("-W " + std::to_string(minutes_up(walltime)));
      if (!queue.empty()) d.push_back("-q " + queue);
      if (!project.empty()) d.push_back("-P " + project);
      d.push_back("-o " + core::RunDir(run).job_output("-%J.out"));
      d.push_back("-e " + core::RunDir(run).job_output("-%J.err"));
      break;
    case Scheduler::pbs: {
      d.push_back("-N " + req.job_name);
      std::string chunk = site.pbs_select;
      if (chunk.empty()) {
        chunk = "ncpus=" + std::to_string(site.cores_per_node);
        if (site.gpus_per_node > 0) chunk += ":ngpus=" + std::to_string(site.gpus_per_node);
        chunk += ":mpiprocs=" + std::to_string(l.ranks_per_node);
      }
      d.push_back("-l select=" + std::to_string(l.nodes) + ":" + chunk);
      d.push_back("-l walltime=" + format_walltime(walltime));
      if (!queue.empty()) d.push_back("-q " + queue);
      if (!project.empty()) d.push_back("-A " + project);
      d.push_back("-j oe");
      d.push_back("-o " + core::RunDir(run).job_output(".out"));
      break;
    }
    case Scheduler::cobalt:
      d.push_back("--jobname " + req.job_name);
      d.push_back("-n " + std::to_string(l.nodes));
      d.push_back("-t " + std::to_string(minutes_up(walltime)));
      if (!queue.empty()) d.push_back("-q " + queue);
      if (!project.empty()) d.push_back("-A " + project);
      d.push_back("-O " + core::RunDir(run).job_output("-$jobid"));  // Cobalt expands $jobid itself; no shell reads this line
      break;
    case Scheduler::local:
      break;
  }
  return d;
}

}  // namespace

JobLayout job_layout(const SiteSpec& site, int nodes) {
  JobLayout l;
  l.nodes = std::max(nodes, 1);
  l.workers = l.nodes * site.workers_per_node;
  l.ranks = l.workers + 1;
  l.ranks_per_node = std::min(site.workers_per_node + 1, l.ranks);
  l.cores_per_rank = std::max(1, site.cores_per_node / (site.workers_per_node + 1));
  return l;
}

void check_request(const JobRequest& req) {
  auto fail = [](const std::string& what) { throw core::UsageError(what); };
  if (!req.queue.empty() && !is_safe_name(req.queue))
    fail("--queue '" + req.queue +
         "': expected letters, digits and ._@:+- (at most 64, not starting with -)");
  if (!req.project.empty() && !is_safe_name(req.project))
    fail("--project '" + req.project +
         "': expected letters, digits and ._@:+- (at most 64, not starting with -)");
  if (req.nodes < 1) fail("--nodes: expected an integer ≥ 1");
  if (req.walltime_s < 0) fail("--walltime: expected H:MM:SS");
  if (req.resubmits < 0) fail("--resubmit: expected an integer ≥ 0");
  if (!is_directive_path(req.run_dir))
    fail("--out '" + req.run_dir +
         "': the run directory goes into scheduler directives, which cannot carry "
         "spaces or shell characters; choose a path of letters, digits and ._-/+@");
  for (const auto* p : {&req.binary, &req.workflow})
    if (p->empty() || (*p)[0] != '/' || !is_single_line(*p))
      fail("'" + *p + "': expected an absolute path on one line");
  if (req.job_name.empty() || !is_safe_name(req.job_name))
    fail("job name '" + req.job_name + "': expected [A-Za-z0-9._-]");
}

std::vector<std::string> launcher_words(const SiteSpec& site, const JobLayout& l) {
  std::vector<std::string> w;
  const std::string ranks = std::to_string(l.ranks);
  const std::string per_node = std::to_string(l.ranks_per_node);
  const std::string cores = std::to_string(l.cores_per_rank);
  switch (site.launcher) {
    case Launcher::srun:
      // -N with -n: Slurm spreads the ranks evenly, the first node taking the one extra (the server).
      w = {"srun", "-N", std::to_string(l.nodes), "-n", ranks};
      break;
    case Launcher::jsrun:
      // One resource set per rank: every worker's holds gpus_per_worker GPUs, and the server's, being of
      // the same shape, sits on the first node with that node's workers.
      w = {"jsrun",
           "-n",
           ranks,
           "-a",
           "1",
           "-c",
           cores,
           "-g",
           std::to_string(site.gpus_per_worker),
           "-r",
           per_node,
           "-b",
           "packed:" + cores};
      break;
    case Launcher::mpiexec:
      w = {"mpiexec", "-n", ranks};
      if (site.scheduler != Scheduler::local) w.insert(w.end(), {"--ppn", per_node});
      break;
    case Launcher::aprun:
      w = {"aprun", "-n", ranks, "-N", per_node, "-d", cores, "-j", "1", "-cc", "depth"};
      break;
  }
  w.insert(w.end(), site.launcher_args.begin(), site.launcher_args.end());
  return w;
}

std::string render_job_script(const SiteSpec& site, const JobRequest& req) {
  check_request(req);
  const JobLayout l = job_layout(site, req.nodes);
  const std::string queue = req.queue.empty() ? site.queue : req.queue;
  const std::string project = req.project.empty() ? site.project : req.project;
  const int walltime = req.walltime_s > 0 ? req.walltime_s : site.walltime_s;
  std::ostringstream s;

  // Step 1: interpreter line and directives (the scheduler reads these before the shell starts).
  s << (site.modules.empty() ? "#!/bin/bash\n" : "#!/bin/bash -l\n");
  if (site.scheduler != Scheduler::local) {
    const std::string prefix = directive_prefix(site.scheduler);
    for (const auto& d : scheduler_directives(site, req, l, queue, project, walltime))
      s << prefix << ' ' << d << '\n';
    for (const auto& d : site.directives) s << prefix << ' ' << d << '\n';
  }
  s << "#\n# Supervisor job, rendered by `supervisor submit` for site " << site.name << " ("
    << to_string(site.scheduler) << ", " << to_string(site.launcher) << "):\n# " << l.nodes
    << (l.nodes == 1 ? " node" : " nodes") << " x " << site.workers_per_node
    << " workers + 1 server rank = " << l.ranks << " MPI ranks, walltime " << format_walltime(walltime)
    << ".\n# Run directory: " << req.run_dir << "\n";

  // Step 2: the software environment.
  if (!site.modules.empty()) {
    s << "\n# Modules.\n";
    for (const auto& m : site.modules) s << "module load " << shell_quote(m) << '\n';
  }
  if (!site.env.empty() || !site.python.empty() || !site.r.empty() || site.scheduler == Scheduler::local) {
    s << "\n# Site environment (values are literal).\n";
    for (const auto& [k, v] : site.env) s << "export " << k << '=' << shell_quote(v) << '\n';
    if (!site.python.empty()) {
      s << "export SV_PYTHON_EXECUTABLE=" << shell_quote(site.python) << '\n';
      s << "export PATH=" << shell_quote(std::filesystem::path(site.python).parent_path().string())
        << ":\"$PATH\"\n";
    }
    if (!site.r.empty()) {
      s << "export SV_RSCRIPT=" << shell_quote(site.r) << '\n';
      s << "export PATH=" << shell_quote(std::filesystem::path(site.r).parent_path().string())
        << ":\"$PATH\"\n";
    }
    if (site.scheduler == Scheduler::local)  // Open MPI refuses root unless told; its own message says how
      s << "if [ \"$(id -u)\" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 "
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi\n";
  }

  // Step 3: what the supervisor reads at rank start.
  s << "\n# Read by the supervisor: the walltime (stop dispatching in time), GPUs per worker.\n";
  s << "export SV_SITE=" << shell_quote(site.name) << '\n';
  s << "export SV_WALLTIME_S=" << walltime << '\n';
  if (site.gpu_binding == GpuBinding::supervisor && site.gpus_per_worker > 0) {
    s << "export SV_GPUS_PER_WORKER=" << site.gpus_per_worker << '\n';
    s << "export SV_GPUS_PER_NODE=" << site.gpus_per_node << '\n';
    s << "export SV_GPU_VENDOR=" << to_string(site.gpu_vendor) << '\n';
    if (!site.gpu_env.empty()) s << "export SV_GPU_ENV=" << site.gpu_env << '\n';
    if (site.workers_per_gpu > 1) s << "export SV_WORKERS_PER_GPU=" << site.workers_per_gpu << '\n';
    if (site.gpu_sharing == spec::GpuSharing::mps) s << "export SV_GPU_SHARING=mps\n";
  }

  // Step 4: one MPI job, every rank the supervisor binary. A successor (SV_JOB_MODE=resume, set by
  // `supervisor submit --continue`) resumes the run instead of starting it.
  const std::string binary = shell_quote(req.binary);
  const std::string run_dir = shell_quote(req.run_dir);
  const std::string exit_file = shell_quote(core::RunDir(req.run_dir).exit_status());
  const bool queue_ahead = req.resubmits > 0 && site.scheduler == Scheduler::slurm;
  const std::string chain_call = binary + " submit --continue " + run_dir +
                                 (queue_ahead ? " --after \"$SLURM_JOB_ID\" --nodes " + std::to_string(l.nodes) : "");
  s << "\ncd " << run_dir << " || exit 1\n";
  s << "rm -f " << exit_file << '\n';
  if (queue_ahead) {
    s << "\n# The successor is queued now, to start once this job ends however it ends (a node that dies may\n"
         "# take this script with it), on the nodes left; at the end it is cancelled if the run needs none.\n";
    s << chain_call << '\n';
  }
  if (site.scheduler == Scheduler::slurm && site.launcher == Launcher::srun) {
    s << "\n# Ranks for the nodes this job got: " << site.workers_per_node << " workers per node + the server.\n";
    s << "sv_nodes=${SLURM_JOB_NUM_NODES:-" << l.nodes << "}\n";
    s << "sv_ranks=$((sv_nodes * " << site.workers_per_node << " + 1))\n";
  }
  // Under srun, the scheduler's TERM (time limit, scancel, preemption), its warning USR1 and a Ctrl-C
  // reach this shell, which cannot act on them while it waits in the foreground: srun runs in the
  // background and gets each as USR1, which it forwards to every rank (a TERM would end the step): they
  // drain. Other launchers run in the foreground as before (whether they forward USR1 is theirs to say).
  const bool forward = site.launcher == Launcher::srun;
  const char* bg = forward ? " &\n" : "\n";
  if (forward) {
    s << "\n# Signals to this shell are passed on to srun as USR1: every rank drains.\n";
    s << "sv_launcher=\n";
    s << "sv_forward() { if [ -n \"$sv_launcher\" ]; then kill -USR1 \"$sv_launcher\" 2>/dev/null; fi; }\n";
    s << "trap sv_forward TERM USR1 INT\n";
  }
  const std::string launch = launch_text(site, l);
  // A job Slurm requeued (a node failure, preemption) runs this script again: it resumes.
  s << (site.scheduler == Scheduler::slurm
            ? "if [ \"${SV_JOB_MODE:-run}\" = resume ] || [ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ]; then\n"
            : "if [ \"${SV_JOB_MODE:-run}\" = resume ]; then\n");
  s << "  " << launch << ' ' << binary << " resume " << run_dir << bg;
  s << "else\n";
  s << "  " << launch << ' ' << binary << " run " << shell_quote(req.workflow) << " --out " << run_dir << bg;
  s << "fi\n";
  if (forward) {
    s << "sv_launcher=$!\n";
    s << "while kill -0 \"$sv_launcher\" 2>/dev/null; do wait \"$sv_launcher\"; done\n";
    s << "wait \"$sv_launcher\"\n";
  }
  s << "status=$?\n";
  if (forward) s << "trap - TERM USR1 INT\n";
  // Rank 0 leaves its status there when it had to end the step around workers that stopped answering (a
  // dead node): the launcher's status then only says how those ranks were ended.
  s << "if [ -s " << exit_file << " ]; then status=$(cat " << exit_file << "); fi\n";

  // Step 5: campaigns longer than one allocation.
  if (queue_ahead) {
    s << "\n# Keep the queued successor unless the run is done or would fail again (at most " << req.resubmits
      << " successors in all; the store's submissions table counts them).\n";
    s << chain_call << '\n';
  } else if (req.resubmits > 0) {
    s << "\n# Unless the run is done, submit the next job (at most " << req.resubmits
      << " successors in all; the store's submissions table counts them).\n";
    s << chain_call << '\n';
  }
  s << "exit $status\n";
  return s.str();
}

}  // namespace sv::site
