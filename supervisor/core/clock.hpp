// Clock: wall time as seconds since the Unix epoch (what the store records, comparable across ranks of one
// host) and a monotonic clock for intervals and timeouts.
#pragma once
#include <chrono>
#include <string>

namespace sv::core {

/// Seconds since the Unix epoch, with sub-microsecond resolution.
inline double wall_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

/// Seconds on a monotonic clock, for intervals only.
inline double mono_now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// Local time as `YYYYmmdd-HHMMSS`, used in default run directory names.
std::string timestamp_for_path(double wall_seconds);

/// Formats a duration as `1h02m03s`, `4m05s` or `6.7s`.
std::string format_duration(double seconds);

}  // namespace sv::core
