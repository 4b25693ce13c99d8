// Spec: the typed form of a workflow YAML. Terms: a *workflow* is one campaign definition; its *model* is
// what each task runs; a *tuple* (or point) is one JSON object of parameters; the *space* and *optimizer*
// belong to searches. Parsing lives in parse.hpp; every error names file, line and key.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/json_util.hpp"
#include "spec/dataflow_spec.hpp"
#include "spec/search_spec.hpp"

namespace sv::spec {

using core::Json;

enum class WorkflowKind { sweep, hpo, uq, sublearning, dag };
enum class ModelKind { python, r, app, noop };
enum class ObjectiveGoal { minimize, maximize };
using ObjectiveMode = core::ObjectiveMode;  // last | min | max (core/json_util.hpp: pick_objective)

const char* to_string(WorkflowKind k);
const char* to_string(ModelKind k);
const char* to_string(ObjectiveGoal g);
const char* to_string(ObjectiveMode m);

/// What a task runs. `python`: entry "pkg.module:function" called with the parameter dict in the worker's
/// resident interpreter. `app`: `command` is an argv list whose elements may hold `{name}` placeholders,
/// substituted per argument (never through a shell). `noop`: returns at once (benchmarks, tests).
struct ModelSpec {
  ModelKind kind = ModelKind::python;
  std::string name;                        // its key in `models:` (dag); "" for the top-level `model:`
  std::string entry;                       // python; r ("file.R:function", file made absolute)
  std::vector<std::string> command;        // app: argv template
  std::map<std::string, std::string> env;  // app: extra environment
  std::string cwd;                         // app: working directory ("" = the task directory)
  std::string result_file;                 // app: JSON file the app writes, relative to its task dir
  std::vector<std::string> python_path;    // folders prepended to sys.path (relative to the YAML)
  Json defaults = Json::object();          // merged under each tuple
  double timeout_s = 0;                    // 0 = no limit
  int retries = 0;                         // extra attempts after a failure
  bool task_files = true;                  // write params.json/result.json into each task directory
  // app: how a per-task stop (pruning) ends it: this signal to its process group, SIGKILL after the grace.
  int stop_signal = 15;                    // SIGTERM
  double stop_grace_s = 10;
};

struct ObjectiveSpec {
  std::string metric = "val_loss";
  ObjectiveGoal goal = ObjectiveGoal::minimize;
  ObjectiveMode mode = ObjectiveMode::last;  // which epoch of a history counts (every model kind)
};

/// A sweep's tuples: exactly one source. `grid` keeps YAML key order (first key varies slowest).
struct SweepSpec {
  std::vector<std::pair<std::string, std::vector<Json>>> grid;
  std::vector<Json> list;
  std::string file;  // CSV (header row) or JSONL, resolved to an absolute path
  enum class Source { none, grid, list, file } source = Source::none;
};

enum class ShellMode { embedded, isolated };
/// How the workers packed on one GPU share it: the driver's time-slicing, or CUDA MPS (one control daemon
/// per node, started and stopped by the supervisor; cli/node_mps.hpp, site/mps.hpp).
enum class GpuSharing { time_slicing, mps };

/// Where a workflow places its workers on GPUs (site/gpu_binding.hpp does the arithmetic). All 0 = the
/// site's settings (job.sh's SV_GPUS_PER_WORKER, ...) or no binding.
struct GpuPlacement {
  int gpus_per_worker = 0;  // ≥ 1: each worker gets this many GPUs of its own
  int workers_per_gpu = 0;  // ≥ 1: this many workers share each GPU (`gpus_per_worker: 0.25` means 4)
  int gpus_per_node = 0;    // GPUs to spread over on each node; 0 = unknown (slots are not wrapped)
  GpuSharing sharing = GpuSharing::time_slicing;
  bool asked() const { return gpus_per_worker > 0 || workers_per_gpu > 0; }
};

/// The most worker ranks a run may have (`resources.workers`, `--workers`, `--nodes`): rank 0 alone
/// dispatches and commits for all of them, and 65,536 is already more GPUs than the largest machines hold
/// in one job; a bigger number is a typo.
inline constexpr int kMaxWorkers = 65536;

struct ResourcesSpec {
  int workers = 2;
  std::vector<std::string> preload;  // Python modules imported when a worker starts
  // embedded: Python inside the worker rank; isolated: a resident child process per worker, so a crash in
  // model code costs one attempt, not the job (and `python` may name another interpreter).
  ShellMode shell = ShellMode::embedded;
  std::string python;                // isolated: the interpreter to start ("" = the supervisor's own)
  // Lost workers: each worker says it is alive every heartbeat_s; one not heard from for lost_after_s has
  // its tasks run again elsewhere. 0 = off.
  double heartbeat_s = 5;
  double lost_after_s = 60;
  // Embedded Python: a model call that has not stopped this long after its model.timeout interrupt is
  // stuck for good; the worker gives itself up and the task is retried elsewhere (model.retries).
  double timeout_grace_s = 30;
  GpuPlacement gpu;
  // A drain (walltime or signal) waits this long for running models to stop; one still busy then is
  // stopped hard (its task resumes) so the job can end. Below Slurm's default 30 s between TERM and KILL.
  double drain_grace_s = 20;
};

struct WorkflowSpec {
  std::string name;
  WorkflowKind kind = WorkflowKind::sweep;
  ModelSpec model;
  ObjectiveSpec objective;               // the primary objective (objectives[0])
  std::vector<ObjectiveSpec> objectives;  // every objective, primary first (one unless multi-objective)
  MultiObjectiveSpec multi;
  std::vector<ParamSpec> space;           // hpo
  OptimizerSpec optimizer;                // hpo
  SweepSpec sweep;
  SublearningSpec sublearning;            // sublearning
  UqSpec uq;                              // uq
  DagSpec dag;                            // dag
  /// The model table NodeDef.model indexes: [0] is `model:`, then `models:` in YAML order (dag), then
  /// workflow-added models (uq's aggregation).
  std::vector<ModelSpec> models;
  ResourcesSpec resources;
  std::string site = "local";
  std::string source_path;  // absolute path of the YAML ("" when parsed from text)
  std::string source_dir;   // folder relative paths resolve against
  std::string source_text;  // the YAML as read, stored with the run
};

}  // namespace sv::spec
