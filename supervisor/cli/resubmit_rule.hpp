// Resubmission rule: which ends of a job let `supervisor submit --continue` hand the run to a successor
// job. Only ends that a new allocation gets past: a drain (walltime or a scheduler's signal), a job
// killed before its server could end the run (the scheduler's kill, a failed node taking the job down),
// a job that ended before its supervisor started (up to three jobs in a row: more is the job script's
// fault), or a run that stopped because its workers were lost. A run that failed by itself (a model,
// optimizer or input error) would fail the same way in every successor, so the chain stops there, with
// the reason.
#pragma once
#include <string>

#include "store/store.hpp"

namespace sv::cli {

struct ResubmitDecision {
  bool resubmit = false;
  std::string reason;  // why, in words: "drained (walltime or signal)", "failed: <the fatal event>"
};

/// Reads the run's status, sessions and events.
ResubmitDecision decide_resubmit(const store::Store& store);

}  // namespace sv::cli
