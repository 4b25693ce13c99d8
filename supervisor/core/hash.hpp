// Hashing: a stable 64-bit FNV-1a digest used for parameter hashes and spec hashes. Stable across
// builds and machines (unlike std::hash), so a store written on one machine is read the same on another.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sv::core {

inline std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

/// 16 lowercase hex digits of fnv1a64(bytes).
std::string hash_hex(std::string_view bytes);

}  // namespace sv::core
