// Start message: what rank 0 tells every rank, in one broadcast, before the job starts: either what to
// run or why not to, so a bad start ends all ranks with one clear message instead of a hang. Terms: the
// *drain* times are wall-clock seconds (0: no walltime drain).
#pragma once
#include <string>

namespace sv::cli {

struct StartMessage {
  bool ok = false;
  std::string error;
  std::string spec_text, spec_path, source_dir, out_dir;
  double drain_at = 0, stop_at = 0;  // walltime drain (wall clock), 0 = none
  std::string liveness;  // rank 0's liveness address (balancer/liveness.hpp), "" = none
};

std::string encode(const StartMessage& message);
StartMessage decode_start(const std::string& bytes);

}  // namespace sv::cli
