// PbtWorkflow: population-based training (optimizer `name: pbt`; rules in engine/pbt_rule.hpp). Each
// segment is one node, id `m<member>.s<segment>`, that trains interval_epochs epochs from given weights.
// When a segment finishes, its member is decided on at once (no barrier): in the bottom quantile it
// exploits a top member's latest segment (weights through the hand-off of engine/handoff.hpp, preferring
// the worker that holds them in memory) and explores its hyperparameters; otherwise it continues its own.
// A member keeps its own epoch count: segment s trains epochs s*interval+1 .. (s+1)*interval, so the
// budget is population x segments segments, however members exploit. The member furthest behind runs
// first: a segment's priority is -start_epoch, and one ahead of another member's prefers no worker.
//
//   m0.s0 ── m0.s1 ── m0.s2          (continue: parent = own previous segment)
//   m1.s0 ── m1.s1 ─┐
//   m2.s0 ── m2.s1  └─ m2.s2*        (* exploited: parent = m1.s1, its hyperparameters perturbed)
//
// Every segment is a pbt_segments row, written when the segment is created (score when it finishes). A
// resumed run re-creates every recorded segment under its id and parameters, so the server restores the
// finished ones (never run again) and re-runs the rest; a member whose newest recorded segment finished is
// decided on then, as it would have been live.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/handoff.hpp"
#include "engine/workflow.hpp"

namespace sv::engine {

/// The node id of a member's segment.
std::string pbt_node_id(int member, int segment);

class PbtWorkflow : public Workflow {
 public:
  /// `store` holds the run's pbt_segments (read at start, written on); null only to check the spec.
  /// `previous`: the tasks an earlier session recorded (the parameters of re-created segments).
  PbtWorkflow(const spec::WorkflowSpec& spec, store::Store* store, std::vector<store::TaskRow> previous = {});
  void start(Graph& graph) override;
  void on_node_ran(std::size_t index, int worker) override { workers_.record(index, worker); }
  void on_node_finished(Graph& graph, std::size_t index) override;
  bool exhausted() const override { return started_ && (open_ == 0 || fatal_); }
  std::optional<std::string> fatal() const override { return fatal_; }
  std::size_t expected_total() const override {
    return static_cast<std::size_t>(pbt_.population) * static_cast<std::size_t>(pbt_.segments);
  }

 private:
  struct Segment {
    store::PbtSegmentRow row;
    std::size_t index = 0;  // graph node index
  };
  struct Member {
    int created = 0;                    // segments created so far
    std::optional<double> latest;       // score of its newest finished segment
    int latest_segment = -1;            // that segment
    std::size_t latest_index = 0;       // its node
    bool open = true;                   // still to create segments (not at its last, not failed)
  };
  /// Adds segment `row` as a node (its task id filled here) starting from the weights of `parent_id`
  /// (null at segment 0); `record`: write its pbt_segments row (false for one re-created on resume).
  void add_segment(Graph& graph, store::PbtSegmentRow row, const std::string* parent_id,
                   const core::Json& parent_result, int preferred_worker, bool record);
  /// The member's next segment: exploit and explore, or continue (pbt_rule.hpp).
  void decide_next(Graph& graph, int member);
  core::Json node_params(const store::PbtSegmentRow& row, const std::string* parent_id,
                         const core::Json& parent_result) const;

  spec::WorkflowSpec spec_;
  spec::PbtSpec pbt_;
  store::Store* store_;
  std::unordered_map<std::string, store::TaskRow> previous_;  // node id -> an earlier session's record
  std::vector<Member> members_;
  std::unordered_map<std::size_t, Segment> segments_;         // node index -> its segment
  bool started_ = false;
  int open_ = 0;
  bool minimize_ = true;
  WorkerMemo workers_;
  std::optional<std::string> fatal_;
};

}  // namespace sv::engine
