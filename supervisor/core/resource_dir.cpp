#include "core/resource_dir.hpp"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace sv::core {

std::string executable_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string resource_dir(const char* env, const std::string& compiled, const std::string& installed_name) {
  if (const char* value = std::getenv(env); value && *value) return value;
  std::string exe = executable_path();
  if (!exe.empty()) {
    namespace fs = std::filesystem;
    fs::path installed = fs::path(exe).parent_path().parent_path() / "share" / "supervisor" / installed_name;
    std::error_code ec;
    if (fs::is_directory(installed, ec)) return installed.lexically_normal().string();
  }
  return compiled;
}

std::string resource_file(const char* env, const std::string& compiled, const std::string& relative_to_prefix) {
  if (const char* value = std::getenv(env); value && *value) return value;
  std::string exe = executable_path();
  if (!exe.empty()) {
    namespace fs = std::filesystem;
    fs::path installed = fs::path(exe).parent_path().parent_path() / relative_to_prefix;
    std::error_code ec;
    if (fs::is_regular_file(installed, ec)) return installed.lexically_normal().string();
  }
  return compiled;
}

}  // namespace sv::core
