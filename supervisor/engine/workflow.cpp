#include "engine/workflow.hpp"

#include <cstdlib>

#include "core/build_features.hpp"
#include "core/errors.hpp"
#include "core/resource_dir.hpp"
#include "engine/dag.hpp"
#include "engine/hpo.hpp"
#include "engine/sublearning.hpp"
#include "engine/sweep.hpp"
#include "engine/uq.hpp"
#include "spec/parse.hpp"
#include "spec/sweep_tuples.hpp"

namespace sv::engine {

#ifndef SV_EQ_PY_ROOT
#define SV_EQ_PY_ROOT ""
#endif
#ifndef SV_EQ_R_ROOT
#define SV_EQ_R_ROOT ""
#endif

namespace {
std::unique_ptr<Workflow> make_hpo(const spec::WorkflowSpec& spec, const WorkflowEnv& env) {
  bool r = spec.optimizer.language == spec::OptimizerLanguage::r;
  if (r && spec.optimizer.name != "mbo" && spec.optimizer.name != "emews" && spec.optimizer.name != "random")
    throw core::ConfigError(spec.source_path + ": optimizer.name: '" + spec.optimizer.name +
                            "' is not an R optimizer (with language: r use mbo, random or emews)");
  std::unique_ptr<eq::OptimizerPort> port;
  if (env.start_optimizer && r) {
#ifdef SV_WITH_R
    std::string root = core::resource_dir("SV_EQ_R_ROOT", SV_EQ_R_ROOT, "eq_r");
    // Called on rank 0's main thread (cli/run.cpp): RInside is constructed here, R then runs on its own thread.
    port = eq::start_r_optimizer(optimizer_config(spec, env.run_dir, env.workers, env.previous).dump(), root);
#else
    // spec::parse_optimizer refuses language r in such a build; this is the guard behind it.
    throw core::ConfigError(core::without_r_message(spec.source_path + ": optimizer.language: r"));
#endif
  } else if (env.start_optimizer) {
    std::string root = core::resource_dir("SV_EQ_PY_ROOT", SV_EQ_PY_ROOT, "eq_py");
    port = eq::start_python_optimizer(optimizer_config(spec, env.run_dir, env.workers, env.previous).dump(),
                                      {root});
  }
  return std::make_unique<HpoWorkflow>(spec, std::move(port), env.previous, env.optimizer_time_s);
}
}  // namespace

std::unique_ptr<Workflow> make_workflow(const spec::WorkflowSpec& spec, const WorkflowEnv& env) {
  switch (spec.kind) {
    case spec::WorkflowKind::sweep:
      return std::make_unique<SweepWorkflow>(spec::sweep_tuples(spec));
    case spec::WorkflowKind::hpo:
      return make_hpo(spec, env);
    case spec::WorkflowKind::sublearning:
      return std::make_unique<SublearningWorkflow>(spec.sublearning);
    case spec::WorkflowKind::uq:
      return std::make_unique<UqWorkflow>(spec);
    case spec::WorkflowKind::dag:
      return std::make_unique<DagWorkflow>(spec.dag);
  }
  throw core::ConfigError(spec.source_path + ": workflow: '" + spec::to_string(spec.kind) +
                          "' workflows are not available in this build");
}

}  // namespace sv::engine
