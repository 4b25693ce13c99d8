#include "spec/workflow_spec.hpp"

namespace sv::spec {

// The names here are the YAML spellings, so messages and the store use the words users write.

const char* to_string(WorkflowKind k) {
  switch (k) {
    case WorkflowKind::sweep:
      return "sweep";
    case WorkflowKind::hpo:
      return "hpo";
    case WorkflowKind::uq:
      return "uq";
    case WorkflowKind::sublearning:
      return "sublearning";
    case WorkflowKind::dag:
      return "dag";
  }
  return "?";
}

const char* to_string(ModelKind k) {
  switch (k) {
    case ModelKind::python:
      return "python";
    case ModelKind::r:
      return "r";
    case ModelKind::app:
      return "app";
    case ModelKind::noop:
      return "noop";
  }
  return "?";
}

const char* to_string(ObjectiveGoal g) {
  switch (g) {
    case ObjectiveGoal::minimize:
      return "minimize";
    case ObjectiveGoal::maximize:
      return "maximize";
  }
  return "?";
}

const char* to_string(ObjectiveMode m) {
  switch (m) {
    case ObjectiveMode::last:
      return "last";
    case ObjectiveMode::min:
      return "min";
    case ObjectiveMode::max:
      return "max";
  }
  return "?";
}

}  // namespace sv::spec
