// Host name: the name this process's machine gives itself (gethostname), as the store records it for
// sessions, workers and GPU samples, and as MPS folders are named per node.
#pragma once
#include <string>

namespace sv::core {

/// gethostname(2); "" when it cannot be read.
std::string host_name();

}  // namespace sv::core
