// `supervisor run`: the launcher side (outside MPI) and the job side (inside MPI). Rank 0 prepares the
// run directory and store, then tells every rank, in one broadcast, either what to run or why not to, so
// a bad start ends all ranks with one clear message instead of a hang.
#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "balancer/dispatcher.hpp"
#include "balancer/mpi_comm.hpp"
#include "balancer/worker_loop.hpp"
#include "cli/commands.hpp"
#include "cli/job_plan.hpp"
#include "cli/launch.hpp"
#include "cli/optimizer_packages.hpp"
#include "cli/preflight.hpp"
#include "cli/progress_line.hpp"
#include "cli/signals.hpp"
#include "cli/summary.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "core/process_tree.hpp"
#include "engine/hpo.hpp"
#include "engine/server.hpp"
#include "engine/workflow.hpp"
#include "shell/shell.hpp"
#include "site/gpu_binding.hpp"
#include "site/mps.hpp"
#include "telemetry/gpu_sampler.hpp"
#include "spec/parse.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace sv::cli {

namespace {

std::string hostname() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

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

// Lost-worker detection needs a heartbeat thread beside the worker's MPI calls.
struct ThreadSupport {
  bool available = true;
  std::string level;  // what MPI gave, by name
};

// The thread level asked of MPI: SV_MPI_THREADS (single | funneled | serialized | multiple, default
// multiple), for an MPI whose multi-threaded mode is slow or broken; below serialized, workers are never
// declared lost.
int requested_thread_level() {
  const char* v = std::getenv("SV_MPI_THREADS");
  if (!v || !*v) return MPI_THREAD_MULTIPLE;
  const std::string s = v;
  if (s == "single") return MPI_THREAD_SINGLE;
  if (s == "funneled") return MPI_THREAD_FUNNELED;
  if (s == "serialized") return MPI_THREAD_SERIALIZED;
  if (s == "multiple") return MPI_THREAD_MULTIPLE;
  throw core::UsageError("SV_MPI_THREADS='" + s + "': expected single, funneled, serialized or multiple");
}

std::string thread_level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
  }
  return std::to_string(level);
}

// True when `supervisor run`'s launcher started this job (it sets SV_LAUNCHER). Read once and removed, so
// a model's own processes do not inherit it.
bool started_by_launcher() {
  static const bool yes = [] {
    bool set = std::getenv("SV_LAUNCHER") != nullptr;
    unsetenv("SV_LAUNCHER");
    return set;
  }();
  return yes;
}

// Rank 0's exit status. Under the launcher it goes into the run's supervisor.exit for the launcher to
// exit with, and the rank exits 0: a rank's non-zero exit makes mpiexec print an abort banner that would
// bury the run's own last line.
int leave_exit_status(const std::string& out_dir, int code) {
  if (code == 0 || !started_by_launcher() || out_dir.empty()) return code;
  std::ofstream file(exit_status_file(out_dir));
  file << code << "\n";
  return file ? 0 : code;
}

// What rank 0 tells every rank before the job starts.
struct StartMessage {
  bool ok = false;
  std::string error;
  std::string spec_text, spec_path, source_dir, out_dir;
  double drain_at = 0, stop_at = 0;  // walltime drain (wall clock), 0 = none
};

void broadcast(StartMessage& plan, int rank) {
  core::Json j;
  if (rank == 0)
    j = {{"ok", plan.ok},           {"error", plan.error},         {"spec_text", plan.spec_text},
         {"spec_path", plan.spec_path}, {"source_dir", plan.source_dir}, {"out_dir", plan.out_dir},
         {"drain_at", plan.drain_at}, {"stop_at", plan.stop_at}};
  std::string bytes = rank == 0 ? j.dump() : "";
  unsigned long long n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  bytes.resize(n);
  MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, 0, MPI_COMM_WORLD);
  if (rank != 0) {
    j = core::Json::parse(bytes);
    plan.ok = j["ok"];
    plan.error = j["error"];
    plan.spec_text = j["spec_text"];
    plan.spec_path = j["spec_path"];
    plan.source_dir = j["source_dir"];
    plan.out_dir = j["out_dir"];
    plan.drain_at = j["drain_at"];
    plan.stop_at = j["stop_at"];
  }
}

// Rank 0: the run's store — created for a fresh run, reopened for a resumed (or submitted) one, whose
// recorded tasks come back in `previous`.
std::unique_ptr<store::Store> open_run(const JobPlan& plan, std::vector<store::TaskRow>& previous);

std::unique_ptr<store::Store> create_run(const spec::WorkflowSpec& spec, const std::string& out_dir) {
  std::string db = store_path(out_dir);
  std::error_code ec;
  fs::create_directories(fs::path(out_dir) / "tasks", ec);
  if (ec) throw core::UsageError(out_dir + ": cannot create the run directory (" + ec.message() + ")");
  {
    std::ofstream copy(fs::path(out_dir) / "workflow.yaml");
    copy << spec.source_text;
    if (!copy) throw core::UsageError(out_dir + ": run directory is not writable");
  }
  return store::Store::create(db, new_run_info(spec, out_dir, "running"));
}

// One server per run at a time: a second `resume` while the first job (or ranks it left behind) still
// writes would interleave two sessions in one store. The lock lives as long as rank 0's process.
void lock_run(const std::string& out_dir) {
  std::string path = (fs::path(out_dir) / "supervisor.lock").string();
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
  std::string me = "pid " + std::to_string(getpid()) + " on " + hostname();
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

// Heartbeats need a second thread in MPI (the worker's heartbeat sender); when the MPI library cannot
// give that, workers are never declared lost (a dead rank still ends the job, which resume covers).
int run_server(balancer::Comm& comm, const spec::WorkflowSpec& spec, store::Store& store,
               const std::string& out_dir, std::vector<store::TaskRow> previous, const StartMessage& start,
               const ThreadSupport& heartbeats, bool& abort_job) {
  store::SessionInfo session;
  session.started = core::wall_now();
  session.workers = comm.size() - 1;
  session.host = hostname();
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
  if (!heartbeats.available && spec.resources.heartbeat_s > 0 && spec.resources.lost_after_s > 0) {
    const std::string why = "lost-worker detection is off for this session: the MPI library gives thread level " +
                            heartbeats.level + " and heartbeats need MPI_THREAD_SERIALIZED (a frozen worker "
                            "then holds its task until the job ends)";
    store.add_event("heartbeat", why, core::wall_now());
    std::fprintf(stderr, "supervisor: %s\n", why.c_str());
  }

  engine::WorkflowEnv env{out_dir, previous, comm.size() - 1, true};
  if (spec.kind == spec::WorkflowKind::hpo) env.optimizer_time_s = engine::recorded_optimizer_time(store.events());
  auto workflow = engine::make_workflow(spec, env);
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
  if (heartbeats.available && spec.resources.heartbeat_s > 0) dispatch.lost_after_s = spec.resources.lost_after_s;
  options.drain_grace_s = spec.resources.drain_grace_s;
  options.drain_requested = [] {
    int sig = drain_signal().load(std::memory_order_relaxed);
    return sig ? "signal drain (" + signal_name(sig) + ")" : std::string();
  };
  ProgressLine line(std::getenv("SV_PROGRESS_TTY") != nullptr);
  options.on_progress = [&line](const engine::Progress& p) { line.update(p); };
  if (sampler.active()) {
    options.on_tick = [&sampler, &store, host = session.host] {
      std::vector<store::GpuSampleRow> rows;
      for (auto& t : sampler.take())
        rows.push_back(store::GpuSampleRow{t.time, host, t.gpu.index, std::move(t.gpu.uuid), t.gpu.busy,
                                           t.gpu.memory_used, t.gpu.memory_total});
      store.add_gpu_samples(rows);
    };
  }

  balancer::Dispatcher dispatcher(comm, dispatch);
  engine::Server server(dispatcher, store, *workflow, options);
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
    const std::string here = hostname();
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

int run_worker_rank(balancer::Comm& comm, const spec::WorkflowSpec& spec, const std::string& out_dir,
                    double drain_at, bool heartbeats) {
  shell::ShellConfig config;
  config.run_dir = out_dir;
  config.rank = comm.rank();
  config.host = hostname();
  config.source_dir = spec.source_dir;
  config.models = spec.models;  // [0] is spec.model
  config.objective = spec.objective;
  config.preload = spec.resources.preload;
  config.isolated = spec.resources.shell == spec::ShellMode::isolated;
  config.drain_at = drain_at;
  config.python_executable = spec.resources.python;
  config.timeout_grace_s = spec.resources.timeout_grace_s;
  config.on_stuck = [&comm](std::uint64_t task_id, const std::string& why) {
    comm.send(0, balancer::encode(balancer::RetireMsg{task_id, why}));  // from the shell's watchdog thread
  };
  auto progress = [&comm](std::uint64_t task_id, std::string_view payload) {
    comm.send(0, balancer::encode(balancer::ProgressMsg{task_id, core::wall_now(), std::string(payload)}));
  };
  std::unique_ptr<shell::ShellSet> shells;
  try {
    // Before any interpreter starts: this worker sees only its own GPUs (the workflow's resources, or
    // SV_GPUS_PER_WORKER and friends from job.sh).
    auto gpu = site::gpu_settings(spec.resources.gpu, [](const char* n) { return std::getenv(n); });
    if (std::string gpus = site::bind_gpus(comm.rank(), gpu); !gpus.empty())
      std::fprintf(stderr, "supervisor: %s\n", gpus.c_str());
    shells = std::make_unique<shell::ShellSet>(config, progress);
    // After the interpreters start (they must not take these over): a Ctrl-C, a scheduler's TERM or a
    // USR1 asks the running model to stop; this rank lives on to report it.
    catch_drain_signals();
  } catch (const std::exception& e) {
    balancer::report_fatal_and_wait(comm, e.what());
    return 1;
  }
  auto execute = [&shells](const core::TaskInput& t) { return shells->run(t); };
  balancer::WorkerOptions worker_options;
  worker_options.host = config.host;
  if (heartbeats) worker_options.heartbeat_s = spec.resources.heartbeat_s;
  balancer::run_worker(comm, execute, worker_options);
  return 0;
}

// gpu_sharing: mps. Collective over all ranks: the lowest rank of each node starts that node's MPS control
// daemon, then every rank of the node points itself at it, before any worker touches CUDA. A node where
// it cannot start says so in one line and its workers time-slice; rank 0 records that as an event.
// Returns the daemon this rank must stop after the job.
std::optional<site::MpsDirs> start_mps(const spec::WorkflowSpec& spec, const std::string& out_dir, int rank,
                                       store::Store* store) {
  std::optional<site::GpuSettings> gpu;
  try {
    gpu = site::gpu_settings(spec.resources.gpu, [](const char* n) { return std::getenv(n); });
  } catch (const core::Error&) {
    // The worker reports a malformed SV_GPU_* variable when it binds its GPUs.
  }
  if (!gpu || gpu->sharing != spec::GpuSharing::mps) return std::nullopt;
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int node_rank = 0;
  MPI_Comm_rank(node, &node_rank);
  const site::MpsDirs dirs = site::mps_dirs(out_dir, hostname());
  int ok = 0;
  std::string why;
  if (node_rank == 0) {
    why = site::start_mps_daemon(dirs);
    ok = why.empty();
    if (!ok)
      std::fprintf(stderr, "supervisor: gpu_sharing: mps: cannot start the MPS daemon on %s (%s); the workers "
                   "there share their GPUs by time-slicing\n", hostname().c_str(), why.c_str());
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, node);
  MPI_Comm_free(&node);
  if (ok) site::use_mps(dirs);
  int nodes_failed = 0, failed_here = !ok && node_rank == 0;
  MPI_Reduce(&failed_here, &nodes_failed, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0 && store) {
    store->add_event("gpu_sharing",
                     nodes_failed == 0 ? "mps: control daemon started on every node (pipes in " + out_dir + "/mps)"
                                       : "mps: the daemon did not start on " + std::to_string(nodes_failed) +
                                             " node(s)" + (why.empty() ? "" : " (" + hostname() + ": " + why + ")") +
                                             "; their workers time-slice",
                     core::wall_now());
    store->flush();
  }
  if (ok && node_rank == 0) return dirs;
  return std::nullopt;
}

int run_in_mpi(const RunArgs& args) {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, requested_thread_level(), &provided);
  ThreadSupport heartbeats;
  heartbeats.available = provided >= MPI_THREAD_SERIALIZED;  // MpiComm serializes the calls itself
  heartbeats.level = thread_level_name(provided);
  catch_drain_signals();  // a Ctrl-C or a scheduler's TERM from now on drains (cli/signals.hpp)
  started_by_launcher();
  bool abort_job = false;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  StartMessage start;
  std::unique_ptr<store::Store> store;
  std::vector<store::TaskRow> previous;
  spec::WorkflowSpec spec;
  if (rank == 0) {
    try {
      if (size < 2) throw core::UsageError("the MPI job has 1 rank; it needs a server and at least one worker");
      JobPlan plan = plan_job(args);
      // Validates the workflow's inputs (sweep files, optimizer) before any rank starts.
      engine::make_workflow(plan.spec, engine::WorkflowEnv{"", {}, size - 1, false});
      store = open_run(plan, previous);
      spec = plan.spec;
      if (args.walltime_s > 0) {
        // Stop handing out work and ask models to checkpoint `margin` before the allocation ends; stop
        // waiting for them a quarter of that margin later.
        double margin = args.drain_margin_s > 0 ? args.drain_margin_s : std::clamp(0.1 * args.walltime_s, 10.0, 300.0);
        if (margin >= args.walltime_s) margin = args.walltime_s / 2;
        start.drain_at = core::wall_now() + args.walltime_s - margin;
        start.stop_at = core::wall_now() + args.walltime_s - margin / 4;
      }
      start.ok = true;
      start.out_dir = plan.out_dir;
      start.spec_text = spec.source_text;
      start.spec_path = spec.source_path;
      start.source_dir = spec.source_dir;
    } catch (const std::exception& e) {
      start.error = dynamic_cast<const core::Error*>(&e) ? e.what() : std::string("internal error: ") + e.what();
      // A store opened before the error must not stay `running` with nothing running: mark it failed,
      // which `resume` continues like any other stopped run.
      if (store) {
        try {
          store->set_run_status("failed");
          store->flush();
        } catch (const std::exception&) {
        }
        store.reset();
      }
    }
  }
  broadcast(start, rank);
  if (!start.ok) {
    if (rank == 0) std::fprintf(stderr, "supervisor: error: %s\n", start.error.c_str());
    MPI_Finalize();
    return rank == 0 ? leave_exit_status(args.out_dir, 2) : 2;
  }
  if (rank != 0) spec = spec::parse_workflow(start.spec_text, start.spec_path, start.source_dir);
  std::optional<site::MpsDirs> mps_to_stop = start_mps(spec, start.out_dir, rank, store.get());

  int code = 0;
  {
    balancer::MpiComm comm;
    try {
      code = rank == 0 ? run_server(comm, spec, *store, start.out_dir, std::move(previous), start, heartbeats,
                                    abort_job)
                       : run_worker_rank(comm, spec, start.out_dir, start.drain_at, heartbeats.available);
    } catch (const std::exception& e) {
      // Past the start no rank can leave alone without hanging the others.
      std::fprintf(stderr, "supervisor: rank %d: fatal: %s\n", rank, e.what());
      if (store) {
        try {
          store->set_run_status("failed");
          store->flush();
        } catch (...) {
        }
      }
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  store.reset();
  if (abort_job) {
    // The launcher's own status will only say how the stuck ranks were ended; `supervisor run` reads this.
    std::ofstream(exit_status_file(start.out_dir)) << code << "\n";
    MPI_Abort(MPI_COMM_WORLD, code);
  }
  MPI_Finalize();
  // After the job: the daemon's `quit` waits for its clients, the workers, which leave at MPI_Finalize.
  if (mps_to_stop && !site::stop_mps_daemon(*mps_to_stop))
    std::fprintf(stderr, "supervisor: gpu_sharing: mps: the MPS control daemon in %s did not stop; end it with "
                 "`echo quit | CUDA_MPS_PIPE_DIRECTORY=%s nvidia-cuda-mps-control`\n",
                 mps_to_stop->pipe.c_str(), mps_to_stop->pipe.c_str());
  return rank == 0 ? leave_exit_status(start.out_dir, code) : code;
}

}  // namespace

std::string store_path(const std::string& run_dir) { return (fs::path(run_dir) / "supervisor.db").string(); }

int cmd_run(const RunArgs& args) {
  if (launched_under_mpi()) return run_in_mpi(args);

  // Launcher: fail fast on bad input, fix the run directory once, then become `mpiexec ... supervisor ...`
  // running this same command in every rank.
  requested_thread_level();  // a bad SV_MPI_THREADS fails here, not in every rank
  JobPlan plan = plan_job(args);
  engine::make_workflow(plan.spec, engine::WorkflowEnv{"", {}, 1, false});
  check_optimizer_package(plan.spec);
  preflight(plan.spec, Checks::optimizer);
  int workers = args.workers > 0 ? args.workers : plan.spec.resources.workers;
  std::vector<std::string> command = {self_executable()};
  if (args.workflow.empty()) {
    command.insert(command.end(), {"resume", plan.out_dir});
  } else {
    command.insert(command.end(), {"run", plan.spec.source_path, "--out", plan.out_dir});
    if (args.resume) command.push_back("--resume");
  }
  command.insert(command.end(), {"--workers", std::to_string(workers)});
  if (args.force) command.push_back("--force");
  if (args.walltime_s > 0) command.insert(command.end(), {"--walltime", std::to_string(args.walltime_s)});
  if (args.drain_margin_s > 0) command.insert(command.end(), {"--drain-margin", std::to_string(args.drain_margin_s)});
  run_mpi_job(workers + 1, command, plan.out_dir);
}

}  // namespace sv::cli
