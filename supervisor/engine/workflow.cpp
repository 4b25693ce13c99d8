#include "engine/workflow.hpp"

#include <cstdlib>

#include "core/errors.hpp"
#include "engine/dag.hpp"
#include "engine/hpo.hpp"
#include "engine/sublearning.hpp"
#include "engine/sweep.hpp"
#include "engine/uq.hpp"
#include "spec/parse.hpp"

namespace sv::engine {

#ifndef SV_EQ_PY_ROOT
#define SV_EQ_PY_ROOT ""
#endif

namespace {
std::unique_ptr<Workflow> make_hpo(const spec::WorkflowSpec& spec, const WorkflowEnv& env) {
  if (spec.optimizer.language == spec::OptimizerLanguage::r)
    throw core::ConfigError(spec.source_path + ": optimizer.language: R optimizers are not available in this "
                            "build yet (use a Python optimizer: random, grid, ga, tpe, nsga2, emews)");
  std::unique_ptr<eq::OptimizerPort> port;
  if (env.start_optimizer) {
    const char* root_env = std::getenv("SV_EQ_PY_ROOT");
    std::string root = root_env && *root_env ? root_env : SV_EQ_PY_ROOT;
    port = eq::start_python_optimizer(optimizer_config(spec, env.run_dir, env.workers, env.previous).dump(),
                                      {root});
  }
  return std::make_unique<HpoWorkflow>(spec, std::move(port), env.previous);
}
}  // namespace

std::unique_ptr<Workflow> make_workflow(const spec::WorkflowSpec& spec, const WorkflowEnv& env) {
  switch (spec.kind) {
    case spec::WorkflowKind::sweep:
      return std::make_unique<SweepWorkflow>(spec::expand_sweep(spec));
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
