#include "core/walltime.hpp"

#include <charconv>
#include <cmath>

namespace sv::core {

namespace {

bool digits_only(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// One field: digits, and in the last field an optional fraction. Locale-free (from_chars): an embedded
// interpreter may have changed the C locale's decimal point.
std::optional<double> field_value(std::string_view s, bool last) {
  std::size_t dot = last ? s.find('.') : std::string_view::npos;
  std::string_view whole = s.substr(0, dot);
  if (!digits_only(whole)) return std::nullopt;
  if (dot != std::string_view::npos && !digits_only(s.substr(dot + 1))) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<double> parse_walltime(std::string_view text) {
  std::string_view parts[3];
  int count = 0;
  while (true) {
    std::size_t colon = text.find(':');
    if (count == 3) return std::nullopt;  // H:MM:SS at most
    parts[count++] = text.substr(0, colon);
    if (colon == std::string_view::npos) break;
    text.remove_prefix(colon + 1);
  }
  double total = 0;
  for (int i = 0; i < count; ++i) {
    const bool last = i == count - 1;
    auto v = field_value(parts[i], last);
    if (!v) return std::nullopt;
    // After a colon a field is minutes or seconds: two digits (and a fraction on the seconds), below 60.
    if (i > 0 && (parts[i].substr(0, parts[i].find('.')).size() != 2 || *v >= 60)) return std::nullopt;
    total = total * 60 + *v;
  }
  if (!(total > 0) || total > kMaxWalltimeS) return std::nullopt;
  return total;
}

}  // namespace sv::core
