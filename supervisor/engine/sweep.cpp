#include "engine/sweep.hpp"

#include <string>

namespace sv::engine {

void SweepWorkflow::top_up(Graph& graph, std::size_t wanted) {
  for (std::size_t i = 0; i < wanted && next_ < tuples_.size(); ++i, ++next_) {
    NodeDef def;
    def.id = std::to_string(next_ + 1);
    def.params = tuples_.take(next_).dump();  // keys sorted: one canonical text per tuple, hence a stable hash
    graph.add(std::move(def));
  }
}

}  // namespace sv::engine
