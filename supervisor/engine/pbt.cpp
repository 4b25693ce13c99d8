#include "engine/pbt.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include "engine/pbt_rule.hpp"

namespace sv::engine {

std::string pbt_node_id(int member, int segment) {
  return "m" + std::to_string(member) + ".s" + std::to_string(segment);
}

PbtWorkflow::PbtWorkflow(const spec::WorkflowSpec& spec, store::Store* store, std::vector<store::TaskRow> previous)
    : spec_(spec),
      pbt_(spec.optimizer.pbt.value_or(spec::PbtSpec{})),
      store_(store),
      minimize_(spec.objective.goal == spec::ObjectiveGoal::minimize) {
  for (auto& row : previous) previous_.emplace(row.node_id, std::move(row));
}

core::Json PbtWorkflow::node_params(const store::PbtSegmentRow& row, const std::string* parent_id,
                                    const core::Json& parent_result) const {
  core::Json params = core::Json::parse(row.params);
  // The model's view (README, "Population-based training"): where the segment starts and ends, and the
  // weights to start from through the same hand-off as sublearning (ctx.initial_weights).
  params["_pbt_member"] = row.member;
  params["_pbt_segment"] = row.segment;
  params["_start_epoch"] = row.start_epoch;
  params["_end_epoch"] = row.end_epoch;
  // A worker may hold the weights of every member at once: each segment's are read by its successor (and
  // by any exploiter), so fewer would send most hand-offs through files.
  params["_weights_keep"] = pbt_.population;
  if (parent_id) inherit_weights(params, *parent_id, parent_result);
  return params;
}

void PbtWorkflow::add_segment(Graph& graph, store::PbtSegmentRow row, const std::string* parent_id,
                              const core::Json& parent_result, int preferred_worker, bool record) {
  NodeDef def;
  def.id = pbt_node_id(row.member, row.segment);
  auto recorded = previous_.find(def.id);
  // A re-created segment keeps the parameters its task row holds, so the server restores or re-runs it.
  def.params = recorded != previous_.end() ? recorded->second.params : node_params(row, parent_id, parent_result).dump();
  if (parent_id) def.after = {*parent_id};
  // The member furthest behind runs first (Ray Tune's PBT does the same): members stay within a segment
  // or so of each other, so scores are ranked at similar epochs and an exploit copies comparable weights.
  def.priority = -row.start_epoch;
  def.preferred_worker = preferred_worker;
  if (!record && reserve_task_id) reserve_task_id(def.id, row.task_id);
  std::size_t index = graph.add(std::move(def));
  row.task_id = task_id_of ? task_id_of(index) : static_cast<std::int64_t>(index) + 1;
  if (record && store_) store_->add_pbt_segment(row);
  Member& m = members_[static_cast<std::size_t>(row.member)];
  m.created = std::max(m.created, row.segment + 1);
  if (m.open && m.created >= pbt_.segments) {
    m.open = false;
    --open_;
  }
  segments_[index] = Segment{std::move(row), index};
}

void PbtWorkflow::start(Graph& graph) {
  started_ = true;
  members_.assign(static_cast<std::size_t>(pbt_.population), Member{});
  open_ = pbt_.population;
  std::vector<store::PbtSegmentRow> rows = store_ ? store_->pbt_segments() : std::vector<store::PbtSegmentRow>{};
  if (rows.empty()) {
    for (int m = 0; m < pbt_.population; ++m) {
      pbt::Rng rng = pbt::segment_rng(spec_.optimizer.seed, m, 0);
      store::PbtSegmentRow row;
      row.member = m;
      row.segment = 0;
      row.start_epoch = 0;
      row.end_epoch = pbt_.interval_epochs;
      row.params = pbt::sample_params(spec_.space, rng).dump();
      add_segment(graph, std::move(row), nullptr, core::Json(), -1, /*record=*/true);
    }
    return;
  }
  // A resumed run: every recorded segment again, parents first (rows come in creation order), under its
  // recorded id. A parent's result comes from its task row (a child row is written only after its
  // parent's final row was committed, see on_node_finished).
  for (const auto& row : rows)
    if (row.member >= pbt_.population || row.segment >= pbt_.segments) {
      // A forced resume with a smaller population or budget: the recorded lineage does not fit it.
      fatal_ = "the run's pbt_segments hold member " + std::to_string(row.member) + " segment " +
               std::to_string(row.segment) + ", outside optimizer.population " + std::to_string(pbt_.population) +
               " x segments " + std::to_string(pbt_.segments) + ": resume with the population and budget it ran with";
      return;
    }
  std::unordered_map<std::int64_t, std::string> node_of;
  for (auto& row : rows) {
    node_of[row.task_id] = pbt_node_id(row.member, row.segment);
    const std::string* parent_id = nullptr;
    core::Json parent_result;
    if (row.parent_task_id) {
      parent_id = &node_of.at(*row.parent_task_id);
      auto p = previous_.find(*parent_id);
      if (p != previous_.end()) parent_result = core::Json::parse(p->second.result, nullptr, false);
    }
    add_segment(graph, std::move(row), parent_id, parent_result, -1, /*record=*/false);
  }
}

void PbtWorkflow::on_node_finished(Graph& graph, std::size_t index) {
  auto it = segments_.find(index);
  if (it == segments_.end()) return;
  Segment& seg = it->second;
  const int member = seg.row.member;
  Member& m = members_[static_cast<std::size_t>(member)];
  const Node& node = graph.node(index);
  const bool ok = node.state == NodeState::done && node.outcome.objective && std::isfinite(*node.outcome.objective);
  std::optional<double> score;
  if (ok) score = node.outcome.objective;
  // The task's final row first: a pbt row that names a result (a score, a child) never outlives it in a
  // kill, so a resumed run finds every parent's weights and never re-runs a segment it built on.
  if (commit_now) commit_now();
  if (store_ && !seg.row.score && score) store_->set_pbt_score(seg.row.task_id, score);
  seg.row.score = score;
  if (!ok) {
    if (m.open && seg.row.segment + 1 == m.created) {
      m.open = false;
      --open_;
      if (record_event)
        record_event("pbt", "segment " + node.def.id + " failed; member " + std::to_string(member) + " trains no further");
    }
    return;
  }
  if (seg.row.segment > m.latest_segment) {
    m.latest = score;
    m.latest_segment = seg.row.segment;
    m.latest_index = index;
  }
  // Restored with its successor recorded, or the member's last segment: nothing to decide.
  if (!m.open || seg.row.segment + 1 != m.created) return;
  decide_next(graph, member);
}

void PbtWorkflow::decide_next(Graph& graph, int member) {
  Member& m = members_[static_cast<std::size_t>(member)];
  const int segment = m.created;
  pbt::Rng rng = pbt::segment_rng(spec_.optimizer.seed, member, segment);
  std::vector<std::optional<double>> latest;
  for (const auto& other : members_) latest.push_back(other.latest);
  std::optional<int> source = pbt::exploit_source(member, latest, pbt_.quantile, minimize_, rng);
  const int parent_member = source.value_or(member);
  const std::size_t parent_index = members_[static_cast<std::size_t>(parent_member)].latest_index;
  const store::PbtSegmentRow& parent = segments_.at(parent_index).row;
  core::Json params = core::Json::parse(parent.params);
  if (source) params = pbt::explore(params, spec_.space, pbt_, rng);
  store::PbtSegmentRow row;
  row.member = member;
  row.segment = segment;
  row.start_epoch = segment * pbt_.interval_epochs;
  row.end_epoch = row.start_epoch + pbt_.interval_epochs;
  row.parent_task_id = parent.task_id;
  row.parent_member = parent_member;
  row.exploited = source.has_value();
  row.params = params.dump();
  // graph.add may move nodes: copy what the child needs of its parent first.
  const std::string parent_id = graph.node(parent_index).def.id;
  const core::Json parent_result = graph.node(parent_index).result_json();
  // A segment ahead of another open member's newest one prefers no worker: a free worker serves the tasks
  // that prefer it before any other (balancer.hpp), so one member would race through all its segments on
  // the worker holding its weights while the others wait; without the preference it queues by priority.
  int behind = INT_MAX;
  for (std::size_t j = 0; j < members_.size(); ++j)
    if (static_cast<int>(j) != member && members_[j].open) behind = std::min(behind, members_[j].created - 1);
  const int preferred = segment > behind ? -1 : workers_.of(parent_index);
  add_segment(graph, std::move(row), &parent_id, parent_result, preferred, /*record=*/true);
}

}  // namespace sv::engine
