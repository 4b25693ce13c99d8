// Status view: what `supervisor status` shows, collected once from a read-only store into one JSON object
// and then printed either as that object (--json) or as text, so both always say the same thing.
// Terms: the *job chain* is the batch jobs `supervisor submit` handed to a scheduler (the first, then each
// resubmission) and the run's sessions (one per MPI job that ran: the first run, then each resume).
#pragma once
#include <string>

#include "core/json_util.hpp"
#include "store/store.hpp"

namespace sv::cli {

/// What the store alone does not say: taken from the run's workflow by the caller.
struct StatusInputs {
  std::string run_dir;
  std::string metric = "val_loss";  // the primary objective
  bool minimize = true;
  std::size_t expected_total = 0;   // tasks of a sweep, evaluation budget of a search; 0 = unknown
  double now = 0;                   // wall time elapsed times are measured to
  int running_limit = 20;           // running tasks listed
  int best_limit = 5;               // top results listed
  int failure_limit = 5;            // failed tasks listed (the total is always given)
};

/// A run still marked running whose store has been silent this long is probably killed: a live server
/// stamps its store every 10 s (engine/server.cpp).
inline constexpr double kProbablyKilledS = 60;

/// Everything `status` prints, as one JSON object (its keys are listed in status_view.cpp).
core::Json collect_status(const store::Store& store, const StatusInputs& in);

/// True when the status says the run is probably killed (marked running, silent over kProbablyKilledS).
bool probably_killed(const core::Json& status);

/// The same object as text for a terminal.
std::string render_status_text(const core::Json& status);

/// The job chain as text lines: each batch submission, then each session (one MPI job of this run).
std::string render_job_chain(const core::Json& status);

}  // namespace sv::cli
