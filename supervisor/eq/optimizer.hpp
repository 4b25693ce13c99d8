// Starting a search's optimizer: the one place that picks the interpreter an optimizer runs in. Terms: the
// *optimizer* is the ME algorithm a spec names (optimizer.name, optimizer.language); *starting* it means
// loading its interpreter in this process and running it on its own thread, behind an OptimizerPort.
#pragma once
#include <memory>
#include <string>

#include "eq/port.hpp"
#include "spec/workflow_spec.hpp"

namespace sv::eq {

/// Starts the optimizer `spec` names (Python through eqpy, R through eq_r), handing it `config_json`
/// (engine::optimizer_config: space, objectives, replay). Call on rank 0's main thread: R's RInside must be
/// constructed there. Only for hpo workflows. Throws core::ModelError when the interpreter or the
/// optimizer's package cannot be loaded.
std::unique_ptr<OptimizerPort> start_optimizer(const spec::WorkflowSpec& spec, const std::string& config_json);

}  // namespace sv::eq
