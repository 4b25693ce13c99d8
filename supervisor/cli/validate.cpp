// `supervisor validate FILE`: everything `run` checks before starting, without starting.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/preflight.hpp"
#include "engine/workflow.hpp"
#include "spec/parse.hpp"

namespace sv::cli {

int cmd_validate(const std::string& workflow) {
  spec::WorkflowSpec spec = spec::load_workflow(workflow);
  auto wf = engine::make_workflow(spec);  // builds the workflow to check its inputs; starts no optimizer
  // A missing DEAP/Optuna (named), the Python optimizer's options and the model's import.
  preflight(spec, Checks::optimizer_and_model_import);
  std::printf("%s: ok (%s workflow '%s', %s model", workflow.c_str(), spec::to_string(spec.kind), spec.name.c_str(),
              spec::to_string(spec.model.kind));
  if (wf->expected_total())
    std::printf(spec.kind == spec::WorkflowKind::hpo ? ", up to %zu evaluations" : ", %zu tasks", wf->expected_total());
  std::printf(")\n");
  return 0;
}

}  // namespace sv::cli
