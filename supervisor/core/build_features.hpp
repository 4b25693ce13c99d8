// Build features: what this binary was configured with (SV_WITH_R, see cmake/EmbeddedR.cmake), so that
// the spec layer can refuse, at validate, what the build cannot run.
#pragma once
#include <string>

namespace sv::core {

/// True when the R shell and the R optimizers are built in.
bool built_with_r();

/// The one line for a workflow that needs R in a build without it; `what` names what needs R.
std::string without_r_message(const std::string& what);

}  // namespace sv::core
