#include "cli/resubmit_rule.hpp"

namespace sv::cli {

namespace {

// Jobs in a row that may end before their supervisor starts (a node lost at boot, a preemption) before the
// chain stops: a job script that always dies that way would otherwise spend every resubmission.
constexpr std::size_t kMaxUnstartedJobs = 3;

// The events of the last session (a resume starts a new one): what happened in the job that just ended.
std::vector<store::EventRow> last_session_events(const store::Store& store) {
  const auto sessions = store.sessions();
  const double since = sessions.empty() ? 0 : sessions.back().started;
  std::vector<store::EventRow> out;
  for (auto& e : store.events())
    if (e.time >= since) out.push_back(std::move(e));
  return out;
}

}  // namespace

ResubmitDecision decide_resubmit(const store::Store& store) {
  const std::string status = store.run().status;
  if (status == "done") return {false, "done"};
  if (status == "drained") return {true, "drained (walltime or signal): resumable"};
  if (status == "running")
    return {true, "the job ended without ending the run (killed by the scheduler, or a node failed): resumable"};
  if (status == "submitted") {  // every job so far died before its supervisor started
    const std::size_t jobs = store.submissions().size();
    if (store.sessions().empty() && jobs >= kMaxUnstartedJobs)
      return {false, "not started by any of its " + std::to_string(jobs) +
                         " jobs: the job script fails before the supervisor starts (see the batch jobs' output)"};
    return {true, "not started by the job (a failed node or preemption; if it repeats, see the batch job's output)"};
  }
  if (status == "failed") {
    // A fatal error (a worker that cannot start, an optimizer that died) repeats in a successor; a run
    // that stopped only because every worker was lost does not.
    std::string fatal;
    bool lost = false;
    for (const auto& e : last_session_events(store)) {
      lost = lost || e.kind == "lost";
      if (e.kind == "fatal" && fatal.empty()) fatal = e.message;
    }
    if (fatal.empty() && lost) return {true, "failed after losing its workers (a node failure): resumable"};
    return {false, "failed" + (fatal.empty() ? std::string() : ": " + fatal) +
                       " (a successor would fail the same way)"};
  }
  return {false, "status '" + status + "'"};
}

}  // namespace sv::cli
