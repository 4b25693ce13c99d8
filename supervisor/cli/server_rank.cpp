#include "cli/server_rank.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "balancer/dispatcher.hpp"
#include "cli/job_plan.hpp"
#include "core/walltime.hpp"
#include "engine/pruning.hpp"
#include "cli/progress_line.hpp"
#include "cli/signals.hpp"
#include "cli/summary.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/host_name.hpp"
#include "core/process_tree.hpp"
#include "core/run_dir.hpp"
#include "engine/hpo.hpp"
#include "engine/server.hpp"
#include "engine/workflow.hpp"
#include "eq/optimizer.hpp"
#include "site/gpu_binding.hpp"
#include "telemetry/gpu_sampler.hpp"
#include "telemetry/sample_wire.hpp"

namespace fs = std::filesystem;

namespace sv::cli {

namespace {

using core::host_name;

std::string model_name(const spec::ModelSpec& m) {
  switch (m.kind) {
    case spec::ModelKind::python:
    case spec::ModelKind::r:
      return m.entry;
    case spec::ModelKind::app:
      return m.command.empty() ? "app" : fs::path(m.command.front()).filename().string();
    case spec::ModelKind::noop:
      return "noop";
  }
  return "model";
}

std::unique_ptr<store::Store> create_run(const spec::WorkflowSpec& spec, const std::string& out_dir) {
  const core::RunDir dir(out_dir);
  std::error_code ec;
  fs::create_directories(dir.tasks(), ec);
  if (ec) throw core::UsageError(out_dir + ": cannot create the run directory (" + ec.message() + ")");
  {
    std::ofstream copy(dir.workflow_copy());
    copy << spec.source_text;
    if (!copy) throw core::UsageError(out_dir + ": run directory is not writable");
  }
  return store::Store::create(dir.store(), new_run_info(spec, out_dir, "running"));
}

// One server per run at a time: a second `resume` while the first job (or ranks it left behind) still
// writes would interleave two sessions in one store. The lock lives as long as rank 0's process.
void lock_run(const std::string& out_dir) {
  std::string path = core::RunDir(out_dir).lock();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw core::UsageError(out_dir + ": cannot create " + path + " (" + std::strerror(errno) + ")");
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[256] = {0};
    ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    throw core::UsageError(out_dir + ": the run is active in another supervisor (" +
                           (n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("unknown")) +
                           "); wait for it or stop it first");
  }
  std::string me = "pid " + std::to_string(getpid()) + " on " + host_name();
  if (ftruncate(fd, 0) == 0 && pwrite(fd, me.data(), me.size(), 0) < 0) {
    // The holder's description is a courtesy; the lock itself is what protects the run.
  }
}

std::unique_ptr<store::Store> open_run(const JobPlan& plan, std::vector<store::TaskRow>& previous) {
  if (plan.mode == JobPlan::Mode::fresh) {
    auto store = create_run(plan.spec, plan.out_dir);
    lock_run(plan.out_dir);
    return store;
  }
  lock_run(plan.out_dir);
  auto store = store::Store::open(store_path(plan.out_dir), store::OpenMode::read_write);
  if (plan.spec_changed) {
    store->set_spec(plan.spec.source_text, core::hash_hex(plan.spec.source_text));
    store->add_event("resume", "workflow file changed; resumed with --force", core::wall_now());
  }
  previous = store->tasks();
  // A session still marked running belongs to a job that was killed without a drain (this one holds the
  // lock now): it ended at its store's last stamp.
  for (auto id : store->end_unfinished_sessions("killed", store->run().updated))
    store->add_event("resume", "session " + std::to_string(id) + " had been killed (it never ended its session); "
                     "marked killed", core::wall_now());
  store->set_run_status("running");
  store->flush();
  return store;
}

}  // namespace

ServerStart prepare_server_rank(const RunArgs& args, int ranks) {
  ServerStart out;
  StartMessage& start = out.message;
  try {
    if (ranks < 2) throw core::UsageError("the MPI job has 1 rank; it needs a server and at least one worker");
    JobPlan plan = plan_job(args);
    // Checks the workflow's inputs (sweep files) before any rank starts; no optimizer is started.
    engine::make_workflow(plan.spec);
    out.store = open_run(plan, out.previous);
    out.spec = plan.spec;
    if (args.walltime_s > 0) {
      // Stop handing out work and ask models to checkpoint `margin` before the allocation ends; stop
      // waiting for them a quarter of that margin later.
      double margin = args.drain_margin_s > 0 ? args.drain_margin_s : core::default_drain_margin_s(args.walltime_s);
      if (margin >= args.walltime_s) margin = args.walltime_s / 2;
      start.drain_at = core::wall_now() + args.walltime_s - margin;
      start.stop_at = core::wall_now() + args.walltime_s - margin / 4;
    }
    // Workers' liveness connections, unless the workflow never declares workers lost.
    if (out.spec.resources.lost_after_s > 0) {
      try {
        out.liveness = std::make_unique<balancer::LivenessServer>();
        start.liveness = out.liveness->address();
      } catch (const core::CommError& e) {
        std::string why = std::string(e.what()) + "; a dead node is noticed after resources.lost_after_s";
        out.store->add_event("liveness", why, core::wall_now());
        std::fprintf(stderr, "supervisor: %s\n", why.c_str());
      }
    }
    start.ok = true;
    start.out_dir = plan.out_dir;
    start.spec_text = out.spec.source_text;
    start.spec_path = out.spec.source_path;
    start.source_dir = out.spec.source_dir;
  } catch (const std::exception& e) {
    start.ok = false;
    start.error = dynamic_cast<const core::Error*>(&e) ? e.what() : std::string("internal error: ") + e.what();
    // A store opened before the error must not stay `running` with nothing running: mark it failed,
    // which `resume` continues like any other stopped run.
    if (out.store) {
      try {
        out.store->set_run_status("failed");
        out.store->flush();
      } catch (const std::exception&) {
      }
      out.store.reset();
    }
  }
  return out;
}

// Heartbeats need a second thread in MPI (the worker's heartbeat sender); when the MPI library cannot
// give that, workers are never declared lost (a dead rank still ends the job, which resume covers).
int run_server(balancer::Comm& comm, const spec::WorkflowSpec& spec, store::Store& store,
               const std::string& out_dir, std::vector<store::TaskRow> previous, const StartMessage& start,
               balancer::ThreadLevel threads, bool& abort_job, balancer::LivenessServer* liveness) {
  const bool heartbeats = threads >= balancer::ThreadLevel::serialized;  // MpiComm serializes the calls itself
  store::SessionInfo session;
  session.started = core::wall_now();
  session.workers = comm.size() - 1;
  session.host = host_name();
  for (const char* v : {"SLURM_JOB_ID", "LSB_JOBID", "PBS_JOBID", "COBALT_JOBID"})
    if (const char* id = std::getenv(v)) session.job_id = id;
  session.status = "running";
  auto session_id = store.begin_session(session);
  // GPU telemetry for this node: the GPUs the launcher gave the job (read before the server hides them
  // from itself), sampled on a thread, written by the server loop. Nothing at all without NVML.
  telemetry::GpuSampler sampler(telemetry::Nvml::load(),
                                telemetry::visible_gpu_indices(std::getenv("CUDA_VISIBLE_DEVICES")),
                                telemetry::sample_interval_from_env());
  // The server takes no GPU (a no-op unless the workflow or job.sh asks for GPU binding).
  site::bind_gpus(0, site::gpu_settings(spec.resources.gpu, [](const char* n) { return std::getenv(n); }));
  if (!heartbeats && spec.resources.heartbeat_s > 0 && spec.resources.lost_after_s > 0) {
    const std::string why = "lost-worker detection is off for this session: the MPI library gives thread level " +
                            std::string(balancer::thread_level_name(threads)) + " and heartbeats need MPI_THREAD_SERIALIZED (a frozen worker "
                            "then holds its task until the job ends)";
    store.add_event("heartbeat", why, core::wall_now());
    std::fprintf(stderr, "supervisor: %s\n", why.c_str());
  }
  // A worker hears a per-task stop (pruning) on a thread of its own, which needs the same thread level.
  if (!heartbeats && spec.kind == spec::WorkflowKind::hpo && spec.optimizer.pruner.kind != prune::PrunerKind::none) {
    const std::string why = "optimizer.pruner is off for this session: the MPI library gives thread level " +
                            std::string(balancer::thread_level_name(threads)) +
                            " and stopping a running task needs MPI_THREAD_SERIALIZED "
                            "(every trial trains in full; unset SV_MPI_THREADS)";
    store.add_event("pruner", why, core::wall_now());
    std::fprintf(stderr, "supervisor: %s\n", why.c_str());
  }

  engine::WorkflowEnv env;
  env.previous = previous;
  env.store = &store;  // pbt: its pbt_segments table (engine/pbt.hpp)
  if (spec.kind == spec::WorkflowKind::hpo && !spec.optimizer.pbt) {  // pbt: the engine decides, no optimizer thread
    env.optimizer_time_s = engine::recorded_optimizer_time(store.events());
    // On rank 0's main thread: an R optimizer's RInside must be constructed here; it then runs on its own thread.
    env.optimizer = eq::start_optimizer(spec, engine::optimizer_config(spec, out_dir, comm.size() - 1, previous).dump());
  }
  auto workflow = engine::make_workflow(spec, std::move(env));
  engine::ServerOptions options;
  int retries = spec.model.retries;
  // `on_failure: retry` asks the engine to run a failed evaluation again before the optimizer hears of it.
  if (spec.kind == spec::WorkflowKind::hpo && spec.optimizer.on_failure == spec::FailurePolicy::retry)
    retries = std::max(retries, 2);
  options.models = {engine::ModelInfo{model_name(spec.model), retries}};
  for (std::size_t i = 1; i < spec.models.size(); ++i)  // dag `models:`, uq aggregation: NodeDef.model indexes these
    options.models.push_back(engine::ModelInfo{model_name(spec.models[i]), spec.models[i].retries});
  options.minimize = spec.objective.goal == spec::ObjectiveGoal::minimize;
  options.drain_at = start.drain_at;
  options.stop_at = start.stop_at;
  balancer::DispatcherOptions dispatch;
  if (heartbeats && spec.resources.heartbeat_s > 0) dispatch.lost_after_s = spec.resources.lost_after_s;
  options.drain_grace_s = spec.resources.drain_grace_s;
  if (liveness) dispatch.dropped_workers = [liveness] { return liveness->poll(); };
  options.drain_requested = [] {
    int sig = drain_signal().load(std::memory_order_relaxed);
    return sig ? "signal drain (" + signal_name(sig) + ")" : std::string();
  };
  ProgressLine line(std::getenv("SV_PROGRESS_TTY") != nullptr);
  options.on_progress = [&line](const engine::Progress& p) { line.update(p); };
  // This node's readings and those each other node's leader worker sends, written every tick.
  telemetry::SampleInbox gpu_inbox;
  options.on_gpu_samples = [&gpu_inbox](std::string_view payload) { gpu_inbox.add_payload(payload); };
  options.on_tick = [&sampler, &store, &gpu_inbox, host = session.host] {
    gpu_inbox.add(host, sampler.take());
    gpu_inbox.write_to(store);
  };

  balancer::Dispatcher dispatcher(comm, dispatch);
  engine::Server server(dispatcher, store, *workflow, options);
  // Early stopping from optimizer.pruner (rebuilt from the store on a resume).
  if (spec.kind == spec::WorkflowKind::hpo && heartbeats)
    server.set_pruning(engine::make_pruning(spec.optimizer.pruner, store));
  if (!previous.empty()) {
    std::size_t kept = 0;
    for (const auto& row : previous) kept += row.status == store::TaskStatus::done;
    std::fprintf(stderr, "supervisor: resuming %s: %zu tasks recorded, %zu done\n", out_dir.c_str(),
                 previous.size(), kept);
    server.restore(std::move(previous));
  }
  engine::RunOutcome outcome = server.run();
  line.finish();

  std::string status = !outcome.ok ? "failed" : outcome.drained ? "drained" : "done";
  store.set_run_status(status);
  store.flush();
  store.end_session(session_id, status, core::wall_now());

  print_summary(spec, store, out_dir, outcome);
  if (outcome.lost_workers > 0) {
    // A rank that stopped answering cannot be told to shut down, and mpiexec would wait for it forever:
    // everything is committed, so the job ends by MPI_Abort (with this run's exit status).
    std::fprintf(stderr, "supervisor: %zu worker(s) stopped answering or would not stop; ending the job\n",
                 outcome.lost_workers);
    // A frozen process on this node would stall the launcher's abort: end it first (one on another node is
    // the launcher's to end).
    // Its model's processes too: a worker killed here cannot end them itself.
    const std::string here = host_name();
    for (const auto& [host, pid] : outcome.lost_processes) {
      if (host != here || pid <= 0) continue;
      for (pid_t child : core::descendants(static_cast<pid_t>(pid))) ::kill(child, SIGKILL);
      ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
    abort_job = true;
  }
  if (outcome.drained) {
    std::fprintf(stderr, "supervisor: %s: %zu tasks left to run; continue with `supervisor resume %s`\n",
                 outcome.drain_reason.c_str(), outcome.counts.unfinished(), out_dir.c_str());
    return 0;
  }
  if (!outcome.ok) {
    std::fprintf(stderr, "supervisor: error: %s\n", outcome.fatal_message.c_str());
    return 1;
  }
  bool all_failed = outcome.counts.done == 0 && outcome.counts.failed > 0;
  if (all_failed) {
    // The reason first, on stderr (the summary on stdout has the same line among the results).
    std::fprintf(stderr, "supervisor: every task failed (%zu); %s\n", outcome.counts.failed,
                 first_failure_line(store).c_str());
  }
  return all_failed ? 3 : 0;
}

}  // namespace sv::cli
