// Eq: the optimizer host of rank 0. Terms: the *optimizer* (an ME algorithm, as EMEWS calls it) runs on
// its own thread in an embedded interpreter; the *port* is the engine's end of the two string queues that
// connect them (the protocol is in eq_py/PROTOCOL.md). This header has no Python in it: the engine and its
// tests see only OptimizerPort.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace sv::eq {

/// What OptimizerPort::receive found.
enum class Received {
  message,  // a message was taken off the queue (and must be handled: nothing is dropped)
  nothing,  // none arrived within the wait; the optimizer is still running
  ended,    // the optimizer's thread has returned and every message it sent has been received
};

class OptimizerPort {
 public:
  virtual ~OptimizerPort() = default;
  /// The optimizer's next message, waiting up to `wait_s` seconds (0: not at all) for it or for the end.
  /// `ended` is decided together with the queue's emptiness, so a last message (done, abort) sent just
  /// before the thread returns is always received before `ended`.
  virtual Received receive(std::string& message, double wait_s = 0) = 0;
  /// A message to the optimizer.
  virtual void send(std::string message) = 0;
  /// The engine sends nothing more: an optimizer waiting for a message, now or later, reads a stop.
  virtual void close() = 0;
};

/// Starts `eqpy.host.main(config_json)` on its own thread in this process's embedded Python (started
/// here, on the calling thread). `python_path` goes in front of sys.path. optimizer.options.hang_timeout
/// (seconds, default 300, 0 = off) arms the hung-optimizer watchdog, as for R. Throws core::ModelError when
/// Python or eqpy cannot be loaded.
std::unique_ptr<OptimizerPort> start_python_optimizer(const std::string& config_json,
                                                      const std::vector<std::string>& python_path);

/// Starts eq_r's `host.R` main(config_json) on its own thread in this process's embedded R (RInside,
/// constructed here on the calling thread, which must be the main thread). `eq_r_root` is the eq_r folder.
/// optimizer.options.hang_timeout (seconds, default 300, 0 = off) arms the hung-optimizer watchdog.
/// Throws core::ModelError when R cannot be started.
std::unique_ptr<OptimizerPort> start_r_optimizer(const std::string& config_json, const std::string& eq_r_root);

/// optimizer.options.hang_timeout of a config_json (seconds; 300 when absent).
double hang_timeout_of(const std::string& config_json);

}  // namespace sv::eq
