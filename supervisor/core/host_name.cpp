#include "core/host_name.hpp"

#include <unistd.h>

namespace sv::core {

std::string host_name() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace sv::core
