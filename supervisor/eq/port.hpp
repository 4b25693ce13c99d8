// Eq: the optimizer host of rank 0. Terms: the *optimizer* (an ME algorithm, as EMEWS calls it) runs on
// its own thread in an embedded interpreter; the *port* is the engine's end of the two string queues that
// connect them (the protocol is in eq_py/PROTOCOL.md). This header has no Python in it: the engine and its
// tests see only OptimizerPort.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace sv::eq {

class OptimizerPort {
 public:
  virtual ~OptimizerPort() = default;
  /// A message from the optimizer, when one is waiting. Never blocks.
  virtual bool try_receive(std::string& message) = 0;
  /// A message to the optimizer.
  virtual void send(std::string message) = 0;
  /// True once the optimizer's thread has returned; messages it sent before are still receivable.
  virtual bool finished() const = 0;
};

/// Starts `eqpy.host.main(config_json)` on its own thread in this process's embedded Python (started
/// here, on the calling thread). `python_path` goes in front of sys.path. Throws core::ModelError when
/// Python or eqpy cannot be loaded.
std::unique_ptr<OptimizerPort> start_python_optimizer(const std::string& config_json,
                                                      const std::vector<std::string>& python_path);

/// Starts eq_r's `host.R` main(config_json) on its own thread in this process's embedded R (RInside,
/// constructed here on the calling thread, which must be the main thread). `eq_r_root` is the eq_r folder.
/// optimizer.options.hang_timeout (seconds, default 300, 0 = off) arms the hung-optimizer watchdog.
/// Throws core::ModelError when R cannot be started.
std::unique_ptr<OptimizerPort> start_r_optimizer(const std::string& config_json, const std::string& eq_r_root);

}  // namespace sv::eq
