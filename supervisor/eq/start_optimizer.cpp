#include "eq/optimizer.hpp"

#include "core/build_features.hpp"
#include "core/errors.hpp"
#include "core/resource_dir.hpp"

#ifndef SV_EQ_PY_ROOT
#define SV_EQ_PY_ROOT ""
#endif
#ifndef SV_EQ_R_ROOT
#define SV_EQ_R_ROOT ""
#endif

namespace sv::eq {

std::unique_ptr<OptimizerPort> start_optimizer(const spec::WorkflowSpec& spec, const std::string& config_json) {
  if (spec.optimizer.language == spec::OptimizerLanguage::r) {
#ifdef SV_WITH_R
    // RInside is constructed here, on the caller's (main) thread; R then runs on its own thread.
    return start_r_optimizer(config_json, core::resource_dir("SV_EQ_R_ROOT", SV_EQ_R_ROOT, "eq_r"));
#else
    // spec::parse_optimizer refuses language r in such a build; this is the guard behind it.
    throw core::ConfigError(core::without_r_message(spec.source_path + ": optimizer.language: r"));
#endif
  }
  return start_python_optimizer(config_json, {core::resource_dir("SV_EQ_PY_ROOT", SV_EQ_PY_ROOT, "eq_py")});
}

}  // namespace sv::eq
