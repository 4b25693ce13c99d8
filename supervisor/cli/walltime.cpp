// The walltime options of `run`, `resume` and `submit` and the SV_WALLTIME_S variable, all read by
// core::parse_walltime, so a form one accepts the others accept too.
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/walltime.hpp"

namespace sv::cli {

namespace {

// As the user wrote it, near enough: 1000, -3, nan, inf (JSON would print null for the last two).
std::string seconds_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

double parse_walltime(const std::string& what, const std::string& text) {
  auto seconds = core::parse_walltime(text);
  if (!seconds) throw core::UsageError(what + " '" + text + "': expected " + core::kWalltimeForms);
  return *seconds;
}

void resolve_walltime(RunArgs& args, const std::string& given) {
  const char* env = std::getenv("SV_WALLTIME_S");
  if (!given.empty()) {
    args.walltime_s = parse_walltime("--walltime", given);
  } else if (env && *env) {
    args.walltime_s = parse_walltime("SV_WALLTIME_S", env);
  }
  // The margin is how long before the end the drain starts: it must leave time to run at all.
  const double margin = args.drain_margin_s;
  if (!std::isfinite(margin) || margin < 0)
    throw core::UsageError("--drain-margin " + seconds_text(margin) +
                           ": expected seconds ≥ 0 (0 = 10% of the walltime, 10 s to 5 min)");
  if (margin > 0 && args.walltime_s > 0 && margin >= args.walltime_s)
    throw core::UsageError("--drain-margin " + seconds_text(margin) + ": must be less than the walltime (" +
                           seconds_text(args.walltime_s) + " s), or the drain would start before the run");
}

}  // namespace sv::cli
