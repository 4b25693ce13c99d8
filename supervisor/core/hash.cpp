#include "core/hash.hpp"

#include <cstdio>

namespace sv::core {

std::string hash_hex(std::string_view bytes) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes)));
  return buf;
}

}  // namespace sv::core
