#include <cstdlib>
#include <string>

#include "cli/commands.hpp"
#include "core/errors.hpp"

namespace sv::cli {

double parse_walltime(const std::string& text) {
  // "H:MM:SS", "MM:SS" or seconds: what batch systems print and users type.
  double total = 0;
  int fields = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = text.find(':', start);
    std::string part = text.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    char* end = nullptr;
    double v = std::strtod(part.c_str(), &end);
    if (part.empty() || *end != '\0' || v < 0 || ++fields > 3)
      throw core::UsageError("walltime '" + text + "': expected H:MM:SS, MM:SS or seconds");
    total = total * 60 + v;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (total <= 0) throw core::UsageError("walltime '" + text + "': must be more than 0");
  return total;
}

}  // namespace sv::cli
