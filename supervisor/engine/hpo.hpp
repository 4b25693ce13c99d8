// Hpo: a search driven by an optimizer. The optimizer proposes points through its port; each point becomes
// a node with ids "1", "2", ... in the order proposed; each result goes back to the optimizer as soon as
// it is known (streaming) — batching, if asked for, is the optimizer driver's business. The engine
// enforces the stop rules it can see: max evaluations, max wall time, a target objective.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "eq/port.hpp"
#include "engine/workflow.hpp"
#include "store/store.hpp"

namespace sv::engine {

/// The configuration the optimizer host receives (eq_py/PROTOCOL.md): space, objectives, optimizer, and
/// for a resumed run the recorded results to replay, in the order the optimizer first had them.
core::Json optimizer_config(const spec::WorkflowSpec& spec, const std::string& run_dir, int workers,
                            const std::vector<store::TaskRow>& previous = {});

/// The result message the optimizer receives for one evaluation (eq_py/PROTOCOL.md); `result` is the
/// model's result, parsed (discarded when it was not JSON).
core::Json result_message(const spec::WorkflowSpec& spec, const std::string& id, const std::string& params,
                          bool done, std::optional<double> objective, const core::Json& result,
                          const std::string& error);

/// The event kind under which a search records its optimizer's running time: {"session_s", "total_s"}.
inline constexpr const char* kOptimizerTimeEvent = "optimizer:time";
/// How often a running search records it (and once more at its end).
inline constexpr double kTimeRecordIntervalS = 30;

/// The optimizer time earlier sessions of a run recorded (the last `optimizer:time` total), 0 when none:
/// optimizer.max_time is a budget for the whole run, not for each session.
double recorded_optimizer_time(const std::vector<store::EventRow>& events);

class HpoWorkflow : public Workflow {
 public:
  /// `port` may be null for validation only (nothing is proposed then). `previous`: every task an earlier
  /// session recorded; their nodes are re-created first, under the same ids, so the engine has what the
  /// replaying optimizer believes it proposed. `earlier_time_s`: recorded_optimizer_time() of the run.
  HpoWorkflow(const spec::WorkflowSpec& spec, std::unique_ptr<eq::OptimizerPort> port,
              std::vector<store::TaskRow> previous = {}, double earlier_time_s = 0);
  void start(Graph& graph) override;
  void poll(Graph& graph) override;
  void finish(Graph& graph) override;
  void on_node_finished(Graph& graph, std::size_t index) override;
  void on_node_restored(Graph& graph, std::size_t index) override;
  bool exhausted() const override { return closed_; }
  std::size_t expected_total() const override { return static_cast<std::size_t>(max_evals_); }
  std::optional<std::string> fatal() const override { return fatal_; }

 private:
  void handle(Graph& graph, const std::string& message);
  /// Receives (waiting up to wait_s) and handles one message; false when there was none.
  bool take(Graph& graph, double wait_s);
  /// Seconds the optimizer has run: this session's plus what earlier sessions recorded.
  double optimizer_time() const;
  void record_time();
  void stop(const std::string& reason);
  void add_point(Graph& graph, const core::Json& point, bool resend);
  void after_result(std::optional<double> objective, bool ok);

  spec::WorkflowSpec spec_;
  std::unique_ptr<eq::OptimizerPort> port_;
  std::vector<store::TaskRow> previous_;
  int max_evals_;
  std::size_t proposed_ = 0;
  std::size_t results_ = 0;
  double started_ = 0;
  double earlier_time_s_ = 0;
  double last_time_record_ = 0;
  bool accepting_ = true;
  bool closed_ = false;
  bool ended_ = false;  // the optimizer's thread returned and all it sent has been handled
  std::optional<std::string> fatal_;
  std::unordered_map<std::size_t, core::Json> tags_;  // node index -> the optimizer's tag
};

}  // namespace sv::engine
