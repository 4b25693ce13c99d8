// Walltime: the length of a batch allocation, as users type it and batch systems print it. One grammar
// for `run`/`resume --walltime`, `submit --walltime`, a site's `walltime:` and SV_WALLTIME_S:
// `H:MM:SS`, `MM:SS` or plain seconds. A bare number is seconds (`90` is 90 s, as PBS reads it; Slurm's
// `--time=90` would mean minutes). Fields are digits only (no sign, exponent, inf or nan); after a colon
// minutes and seconds are two digits below 60; the last field may carry a fraction (`8.5`); the total is
// more than 0 and at most kMaxWalltimeS.
#pragma once
#include <optional>
#include <string_view>

namespace sv::core {

/// 365 days: longer than any allocation, short enough that wall-clock deadlines stay exact doubles.
inline constexpr double kMaxWalltimeS = 365.0 * 24 * 3600;

/// What parse_walltime accepts, for messages: "expected " + kWalltimeForms.
inline constexpr const char* kWalltimeForms =
    "H:MM:SS, MM:SS or seconds, more than 0 and at most 365 days (e.g. 2:00:00 or 7200)";

/// Seconds, or nullopt when `text` is not a walltime (`inf`, `nan`, `1e400`, `1:99:99`, `-5`, `0`, ``).
std::optional<double> parse_walltime(std::string_view text);

/// The drain margin when none is given: 10 % of the walltime, at least 10 s and at most 5 minutes. The job
/// runs drain this long before the allocation ends, and Slurm's warning signal comes this early.
inline double default_drain_margin_s(double walltime_s) { return walltime_s / 10 < 10 ? 10 : walltime_s / 10 > 300 ? 300 : walltime_s / 10; }

}  // namespace sv::core
