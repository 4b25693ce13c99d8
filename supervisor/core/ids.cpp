#include "core/ids.hpp"

namespace sv::core {

namespace {
bool safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}
}  // namespace

bool is_valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  if (id.front() == '.' || id.front() == '-') return false;
  for (char c : id)
    if (!safe_char(c)) return false;
  return id.find("..") == std::string_view::npos;
}

std::string sanitize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) out.push_back(safe_char(c) ? c : '_');
  if (out.empty()) return "run";
  if (out.front() == '.' || out.front() == '-') out.front() = '_';
  if (out.size() > 100) out.resize(100);
  return out;
}

std::string parent_id(std::string_view id) {
  auto pos = id.rfind('.');
  if (pos == std::string_view::npos) return "";
  return std::string(id.substr(0, pos));
}

}  // namespace sv::core
