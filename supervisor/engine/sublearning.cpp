#include "engine/sublearning.hpp"

#include <algorithm>
#include <iterator>

#include "core/hash.hpp"

namespace sv::engine {

namespace {

// SplitMix64: tiny, and the same sequence on every compiler (std::shuffle and the std distributions are
// not specified exactly, so they could split the keys differently on another machine).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

int depth_of(const std::string& id) { return 1 + static_cast<int>(std::count(id.begin(), id.end(), '.')); }

core::Json keys_json(const spec::SublearningSpec& s, const std::vector<std::uint32_t>& indices) {
  core::Json out = core::Json::array();
  for (auto i : indices) out.push_back(s.keys[i]);
  return out;
}

}  // namespace

KeySplit sublearning_split(const spec::SublearningSpec& s, const std::string& id, int stage,
                           const std::vector<std::uint32_t>& parent_train) {
  // Step 1: the keys the parent held out, in key order.
  std::vector<std::uint32_t> held;
  held.reserve(s.keys.size() - parent_train.size());
  auto next_train = parent_train.begin();
  for (std::uint32_t k = 0; k < s.keys.size(); ++k) {
    if (next_train != parent_train.end() && *next_train == k) {
      ++next_train;
      continue;
    }
    held.push_back(k);
  }
  // Step 2: a shuffle of them drawn for the parent, so all N siblings see the same order; sibling c (1..N)
  // receives the window of that order starting c-1 N-ths in (wrapping around), its first keys to validate,
  // the rest to train. The windows are spread evenly, so every held-out key goes to about N·fraction
  // siblings: none is left out by all of them, none taken by all (unless the fraction asks for it).
  std::string parent = id.rfind('.') == std::string::npos ? "" : id.substr(0, id.rfind('.'));
  std::size_t child = std::stoul(id.substr(parent.empty() ? 0 : parent.size() + 1)) - 1;
  SplitMix64 rng(core::fnv1a64(std::to_string(s.seed) + "/" + parent));
  for (std::size_t i = held.size(); i > 1; --i) std::swap(held[i - 1], held[rng.next() % i]);
  spec::KeyShare share = spec::sublearning_share(s, stage, held.size());
  std::size_t offset = held.empty() ? 0 : (child % std::size_t(s.n)) * held.size() / std::size_t(s.n);
  std::vector<std::uint32_t> window;
  window.reserve(share.val + share.train);
  for (std::size_t j = 0; j < share.val + share.train; ++j) window.push_back(held[(offset + j) % held.size()]);
  KeySplit split;
  split.val.assign(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(share.val));
  std::vector<std::uint32_t> added(window.begin() + static_cast<std::ptrdiff_t>(share.val), window.end());
  std::sort(split.val.begin(), split.val.end());
  std::sort(added.begin(), added.end());
  std::merge(parent_train.begin(), parent_train.end(), added.begin(), added.end(), std::back_inserter(split.train));
  return split;
}

core::Json sublearning_params(const spec::SublearningSpec& s, int stage, const KeySplit& split) {
  core::Json p = core::Json::object();
  p[s.train_param] = keys_json(s, split.train);
  p[s.val_param] = keys_json(s, split.val);
  p[s.epochs_param] = spec::strategy_epochs(s.strategy, stage, s.s, s.max_epochs);
  p[s.patience_param] = s.patience;
  p["_stage"] = stage;
  p["_strategy"] = spec::to_string(s.strategy);
  // For model_runner: how many children will start from this node's weights (0: keep none in memory),
  // and how many weights a worker may hold at once.
  p["_children"] = stage < s.s ? s.n : 0;
  p["_weights_keep"] = s.weights_in_memory;
  return p;
}

SublearningWorkflow::SublearningWorkflow(spec::SublearningSpec spec) : spec_(std::move(spec)) {
  std::size_t level = 1;
  for (int stage = 1; stage <= spec_.s; ++stage) {
    level *= static_cast<std::size_t>(spec_.n);
    total_ += level;
  }
}

void SublearningWorkflow::start(Graph& graph) {
  started_ = true;
  for (int c = 1; c <= spec_.n; ++c) {
    std::string id = std::to_string(c);
    add_node(graph, id, 1, sublearning_split(spec_, id, 1, {}), -1, nullptr);
  }
}

void SublearningWorkflow::add_node(Graph& graph, const std::string& id, int stage, KeySplit split,
                                   int preferred_worker, const Node* parent) {
  NodeDef def;
  def.id = id;
  core::Json params = sublearning_params(spec_, stage, split);
  if (parent) {
    inherit_weights(params, *parent);
    def.after = {parent->def.id};
  }
  def.params = params.dump();
  def.priority = stage;  // deeper first: a trajectory finishes before new ones start
  def.preferred_worker = preferred_worker;
  if (stage < spec_.s) {
    train_of_[id] = std::move(split.train);
    ++open_;
  }
  graph.add(std::move(def));
}

void SublearningWorkflow::on_node_finished(Graph& graph, std::size_t index) {
  int worker = workers_.of(index);
  workers_.forget(index);
  const std::string id = graph.node(index).def.id;
  auto it = train_of_.find(id);
  if (it == train_of_.end()) return;  // a leaf
  std::vector<std::uint32_t> parent_train = std::move(it->second);
  train_of_.erase(it);
  --open_;
  int stage = depth_of(id);
  if (graph.node(index).state != NodeState::done) {
    std::size_t lost = 0, level = 1;
    for (int s = stage + 1; s <= spec_.s; ++s) lost += (level *= static_cast<std::size_t>(spec_.n));
    if (record_event)
      record_event("sublearning", "node " + id + " failed; its " + std::to_string(lost) + " descendants are not run");
    return;
  }
  // graph.add may move nodes: keep a copy of the parent, not a reference into the graph.
  const Node parent = graph.node(index);
  for (int c = 1; c <= spec_.n; ++c) {
    std::string child = id + "." + std::to_string(c);
    add_node(graph, child, stage + 1, sublearning_split(spec_, child, stage + 1, parent_train), worker, &parent);
  }
}

}  // namespace sv::engine
