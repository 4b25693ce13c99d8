#include "cli/worker_rank.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "balancer/protocol.hpp"
#include "balancer/worker_loop.hpp"
#include "cli/signals.hpp"
#include "core/clock.hpp"
#include "core/host_name.hpp"
#include "core/json_util.hpp"
#include "shell/shell.hpp"
#include "shell/shell_config.hpp"
#include "site/gpu_binding.hpp"
#include "telemetry/gpu_sampler.hpp"
#include "telemetry/sample_wire.hpp"

namespace sv::cli {

int run_worker_rank(balancer::Comm& comm, const spec::WorkflowSpec& spec, const std::string& out_dir,
                    double drain_at, bool heartbeats) {
  shell::ShellConfig config = shell::shell_config(spec, out_dir, comm.rank(), core::host_name(), drain_at);
  config.on_stuck = [&comm](std::uint64_t task_id, const std::string& why) {
    comm.send(0, balancer::encode(balancer::RetireMsg{task_id, why}));  // from the shell's watchdog thread
  };
  auto progress = [&comm](std::uint64_t task_id, std::string_view payload) {
    comm.send(0, balancer::encode(balancer::ProgressMsg{task_id, core::wall_now(), std::string(payload)}));
  };
  std::unique_ptr<shell::ShellSet> shells;
  std::unique_ptr<telemetry::GpuSampler> node_sampler;
  std::string worker_devices;
  try {
    // Before any interpreter starts: this worker sees only its own GPUs (the workflow's resources, or
    // SV_GPUS_PER_WORKER and friends from job.sh).
    auto gpu = site::gpu_settings(spec.resources.gpu, [](const char* n) { return std::getenv(n); });
    // A node's leader worker samples the node's GPUs (those the launcher gave, read before the binding
    // below hides them) and sends the readings to rank 0 from the sampler's thread, which needs the second
    // MPI thread heartbeats need.
    if (heartbeats && telemetry::samples_its_node(comm.rank(), site::local_rank_from_env([](const char* n) { return std::getenv(n); })))
      node_sampler = std::make_unique<telemetry::GpuSampler>(
          telemetry::Nvml::load(), telemetry::visible_gpu_indices(std::getenv("CUDA_VISIBLE_DEVICES")),
          telemetry::sample_interval_from_env(), [&comm, host = config.host](std::vector<telemetry::TimedReading> r) {
            comm.send(0, balancer::encode(balancer::GpuSamplesMsg{telemetry::encode_readings(host, r)}));
          });
    if (std::string gpus = site::bind_gpus(comm.rank(), gpu); !gpus.empty())
      std::fprintf(stderr, "supervisor: %s\n", gpus.c_str());
    worker_devices = site::visible_devices(gpu);  // for the hello: the store's per-task device
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
  worker_options.devices = worker_devices;
  if (heartbeats) worker_options.heartbeat_s = spec.resources.heartbeat_s;
  // A per-task stop from the server reaches the running model (needs the thread level heartbeats do).
  if (heartbeats && spec.kind == spec::WorkflowKind::hpo && spec.optimizer.pruner.kind != prune::PrunerKind::none)
    worker_options.on_stop_task = [](std::uint64_t id) { shell::request_task_stop(id); };
  balancer::run_worker(comm, execute, worker_options);
  return 0;
}

}  // namespace sv::cli
