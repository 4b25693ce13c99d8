#include "core/run_dir.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "core/ids.hpp"

namespace sv::core {

namespace fs = std::filesystem;

std::string RunDir::in(std::string_view name) const { return (fs::path(root_) / name).string(); }

std::string RunDir::worker_log(int rank) const {
  return (fs::path(logs()) / ("worker-" + std::to_string(rank) + ".log")).string();
}

std::string RunDir::task(std::string_view node_id) const {
  // Node ids are validated where nodes are made; check again because this builds a path.
  if (!is_valid_node_id(node_id))
    throw ModelError("refusing task directory for unsafe node id '" + std::string(node_id) + "'");
  return (fs::path(tasks()) / node_id).string();
}

}  // namespace sv::core
