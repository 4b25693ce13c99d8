#include "engine/graph.hpp"

#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "core/json_util.hpp"

namespace sv::engine {

const char* to_string(NodeState s) {
  switch (s) {
    case NodeState::waiting: return "waiting";
    case NodeState::ready: return "ready";
    case NodeState::running: return "running";
    case NodeState::done: return "done";
    case NodeState::failed: return "failed";
  }
  return "?";
}

namespace {
std::size_t& slot(GraphCounts& c, NodeState s) {
  switch (s) {
    case NodeState::waiting: return c.waiting;
    case NodeState::ready: return c.ready;
    case NodeState::running: return c.running;
    case NodeState::done: return c.done;
    case NodeState::failed: break;
  }
  return c.failed;
}
}  // namespace

void Graph::set_state(Node& n, NodeState s) {
  --slot(counts_, n.state);
  n.state = s;
  ++slot(counts_, s);
}

std::size_t Graph::add(NodeDef def) {
  if (!core::is_valid_node_id(def.id))
    throw core::ConfigError("node id '" + def.id +
                            "' is not valid (use 1-128 characters of A-Z a-z 0-9 . _ -, not starting with . or -)");
  if (by_id_.count(def.id)) throw core::ConfigError("node id '" + def.id + "' is used twice");
  std::vector<std::size_t> parents;
  parents.reserve(def.after.size());
  for (const auto& dep : def.after) {
    auto it = by_id_.find(dep);
    if (it == by_id_.end())
      throw core::ConfigError("node '" + def.id + "' runs after unknown node '" + dep + "'");
    parents.push_back(it->second);
  }
  std::size_t index = size_;
  Node n;
  n.params_hash = core::hash_hex(def.params);
  n.def = std::move(def);
  by_id_.emplace(n.def.id, index);
  if ((index & (kChunk - 1)) == 0) {
    chunks_.push_back(std::make_unique<Node[]>(kChunk));
    forgotten_.push_back(0);
  }
  at(index) = std::move(n);
  ++size_;
  ++counts_.waiting;

  std::string failed_dep;
  for (auto p : parents) {
    Node& parent = at(p);
    parent.children.push_back(index);
    if (parent.state == NodeState::failed) failed_dep = parent.def.id;
    if (parent.state != NodeState::done) ++at(index).unmet;
  }
  if (!failed_dep.empty()) {
    mark_failed(index, "dependency '" + failed_dep + "' failed");
    cascaded_failures_.push_back(index);
  } else if (at(index).unmet == 0) {
    make_ready(index);
  }
  return index;
}

void Graph::make_ready(std::size_t index) {
  set_state(at(index), NodeState::ready);
  newly_ready_.push_back(index);
}

std::vector<std::size_t> Graph::take_ready() {
  std::vector<std::size_t> out;
  out.swap(newly_ready_);
  return out;
}

void Graph::mark_running(std::size_t index) { set_state(at(index), NodeState::running); }

void Graph::requeue(std::size_t index) { make_ready(index); }

const nlohmann::json& Node::result_json() const {
  if (!parsed_) parsed_ = std::make_shared<const core::Json>(core::Json::parse(outcome.result, nullptr, /*allow_exceptions=*/false));
  return *parsed_;
}

void Graph::mark_done(std::size_t index, std::string result, std::optional<double> objective) {
  core::TaskResult r;
  r.objective = objective;
  r.result = std::move(result);
  mark_done(index, std::move(r));
}

void Graph::mark_done(std::size_t index, core::TaskResult result) {
  Node& n = at(index);
  set_state(n, NodeState::done);
  // Kept for children, including ones a workflow adds after this node finished (sublearning). A pruned
  // task is done too (finished for good, with what it reached); its outcome says it was pruned.
  if (result.outcome != core::Outcome::pruned) result.outcome = core::Outcome::ok;
  n.outcome = std::move(result);
  n.parsed_.reset();
  for (auto c : n.children) {
    Node& child = at(c);
    if (child.state == NodeState::waiting && --child.unmet == 0) make_ready(c);
  }
}

void Graph::mark_failed(std::size_t index, std::string error) {
  Node& n = at(index);
  set_state(n, NodeState::failed);
  n.outcome.outcome = core::Outcome::failed;
  n.outcome.error = std::move(error);
  fail_dependents(n);
}

void Graph::fail_dependents(const Node& n) {
  for (auto c : n.children) {
    if (at(c).state != NodeState::waiting) continue;
    cascaded_failures_.push_back(c);
    mark_failed(c, "dependency '" + n.def.id + "' failed");
  }
}

std::vector<std::size_t> Graph::take_cascaded_failures() {
  std::vector<std::size_t> out;
  out.swap(cascaded_failures_);
  return out;
}

void Graph::forget(std::size_t index) {
  Node& n = at(index);
  if (n.forgotten_) return;
  by_id_.erase(n.def.id);
  n = Node{};  // its strings and vectors go now; the chunk when all its nodes have gone
  n.forgotten_ = true;
  std::size_t chunk = index >> kChunkBits;
  if (++forgotten_[chunk] == kChunk) chunks_[chunk].reset();
}

std::optional<std::size_t> Graph::find(const std::string& id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sv::engine
