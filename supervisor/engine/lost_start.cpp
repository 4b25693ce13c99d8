#include "engine/lost_start.hpp"

#include <algorithm>

namespace sv::engine {

int attempts_without_lost_start(int attempts) { return std::max(0, attempts - 1); }

std::string lost_start_message(std::uint64_t task_id, const std::string& node_id, const std::string& who,
                               const std::string& why) {
  return "task " + std::to_string(task_id) + " (node " + node_id + ") lost with " + who + " (" + why +
         "); not counted as an attempt";
}

}  // namespace sv::engine
