#include "cli/recorded_workflow.hpp"

namespace sv::cli {

std::string without_sweep_block(const std::string& text) {
  std::string out;
  bool skipping = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
    pos = end == std::string::npos ? text.size() : end + 1;
    bool top_level = !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '\n';
    if (top_level) skipping = line.rfind("sweep:", 0) == 0;
    if (skipping) {
      if (top_level) out += "sweep: {list: [{}]}\n";
      continue;
    }
    out += line;
  }
  return out;
}

}  // namespace sv::cli
