#include "engine/workflow.hpp"

#include "core/errors.hpp"
#include "engine/dag.hpp"
#include "engine/hpo.hpp"
#include "engine/pbt.hpp"
#include "engine/sublearning.hpp"
#include "engine/sweep.hpp"
#include "engine/uq.hpp"
#include "spec/parse.hpp"
#include "spec/sweep_tuples.hpp"

namespace sv::engine {

std::unique_ptr<Workflow> make_workflow(const spec::WorkflowSpec& spec, WorkflowEnv env) {
  switch (spec.kind) {
    case spec::WorkflowKind::sweep:
      return std::make_unique<SweepWorkflow>(spec::sweep_tuples(spec));
    case spec::WorkflowKind::hpo:
      if (spec.optimizer.pbt) return std::make_unique<PbtWorkflow>(spec, env.store, std::move(env.previous));
      return std::make_unique<HpoWorkflow>(spec, std::move(env.optimizer), std::move(env.previous),
                                           env.optimizer_time_s);
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
