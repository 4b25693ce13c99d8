// Queues: the two string queues between an optimizer thread and the engine, shared by the Python and R
// hosts. Terms: the *optimizer side* puts (never blocks) and gets (blocks until a message or the close);
// the *engine side* sends and receives. *Ended* means the optimizer's thread has returned and the engine
// has taken every message it put, so "the optimizer is over" and "its last message" can never be told
// apart in the wrong order. *Hung* (the watchdog): the optimizer has been busy — not waiting in get —
// and silent for longer than the hang timeout; the engine then receives an abort saying so, once.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "eq/port.hpp"

namespace sv::eq {

class Queues {
 public:
  /// Fresh queues for a new optimizer thread; `hang_timeout_s` <= 0 switches the watchdog off.
  /// `who` names the optimizer in the watchdog's message ("the Python optimizer").
  void reset(double hang_timeout_s, std::string who);

  // ---- optimizer side ----
  void put(std::string message);
  /// Blocks until a message arrives (it is returned) or the engine closed the queue (nullopt).
  std::optional<std::string> get();
  /// Without waiting: the next message, or nullopt when none is queued.
  std::optional<std::string> try_get();
  /// The optimizer's thread has returned; everything it put stays receivable.
  void mark_ended();

  // ---- engine side ----
  void send(std::string message);
  /// See OptimizerPort::receive.
  Received receive(std::string& message, double wait_s);
  /// No more messages for the optimizer: its waiting get() returns nullopt once the queue is empty.
  void close();
  bool ended() const;

 private:
  static std::string seconds_text(double s);

  mutable std::mutex mutex_;
  std::condition_variable to_optimizer_ready_, to_engine_ready_;
  std::deque<std::string> to_engine_, to_optimizer_;
  bool closed_ = false;
  bool thread_ended_ = false;
  bool hung_ = false;
  bool waiting_ = false;  // the optimizer is blocked in get(): not "hung"
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  double hang_timeout_s_ = 0;
  std::string who_ = "the optimizer";
};

}  // namespace sv::eq
