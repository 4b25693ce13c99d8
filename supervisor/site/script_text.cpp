#include "site/script_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/walltime.hpp"

namespace sv::site {

namespace {

bool all_of(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    if (extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

std::string shell_quote(std::string_view word) {
  if (!word.empty() && all_of(word, "_@%+=:,./-")) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += shell_quote(w);
  }
  return out;
}

bool is_safe_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && s[0] != '-' && all_of(s, "_.@:+-");
}

bool is_module_name(std::string_view s) {
  return !s.empty() && s.size() <= 128 && s[0] != '-' && all_of(s, "_.@:+/-");
}

bool is_env_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool is_directive_path(std::string_view s) { return !s.empty() && s[0] == '/' && all_of(s, "_.@+/-"); }

bool is_single_line(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

int whole_walltime(std::string_view s) {
  auto seconds = core::parse_walltime(s);
  // Batch directives take whole seconds; a fraction rounds up so the allocation is never shorter.
  return seconds ? static_cast<int>(std::ceil(*seconds)) : -1;
}

std::string format_walltime(int seconds) {
  int h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d:%02d", h, m, s);
  return buf;
}

}  // namespace sv::site
