#include "engine/workflow.hpp"

#include "core/errors.hpp"
#include "engine/sweep.hpp"
#include "spec/parse.hpp"

namespace sv::engine {

std::unique_ptr<Workflow> make_workflow(const spec::WorkflowSpec& spec) {
  switch (spec.kind) {
    case spec::WorkflowKind::sweep:
      return std::make_unique<SweepWorkflow>(spec::expand_sweep(spec));
    default:
      break;
  }
  throw core::ConfigError(spec.source_path + ": workflow: '" + spec::to_string(spec.kind) +
                          "' workflows are not available in this build yet (available: sweep)");
}

}  // namespace sv::engine
