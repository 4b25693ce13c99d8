#include "eq/queues.hpp"

#include "core/json_util.hpp"

namespace sv::eq {

using Clock = std::chrono::steady_clock;

void Queues::reset(double hang_timeout_s, std::string who) {
  std::lock_guard<std::mutex> lock(mutex_);
  to_engine_.clear();
  to_optimizer_.clear();
  closed_ = thread_ended_ = hung_ = waiting_ = false;
  last_activity_ = Clock::now();
  hang_timeout_s_ = hang_timeout_s;
  who_ = std::move(who);
}

void Queues::put(std::string message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    to_engine_.push_back(std::move(message));
    last_activity_ = Clock::now();
  }
  to_engine_ready_.notify_all();
}

std::optional<std::string> Queues::get() {
  std::unique_lock<std::mutex> lock(mutex_);
  waiting_ = true;
  to_optimizer_ready_.wait(lock, [this] { return closed_ || !to_optimizer_.empty(); });
  waiting_ = false;
  last_activity_ = Clock::now();
  if (to_optimizer_.empty()) return std::nullopt;
  std::string message = std::move(to_optimizer_.front());
  to_optimizer_.pop_front();
  return message;
}

std::optional<std::string> Queues::try_get() {
  std::lock_guard<std::mutex> lock(mutex_);
  last_activity_ = Clock::now();
  if (to_optimizer_.empty()) return std::nullopt;
  std::string message = std::move(to_optimizer_.front());
  to_optimizer_.pop_front();
  return message;
}

void Queues::mark_ended() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    thread_ended_ = true;
  }
  to_engine_ready_.notify_all();
}

void Queues::send(std::string message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    to_optimizer_.push_back(std::move(message));
  }
  to_optimizer_ready_.notify_one();
}

void Queues::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  to_optimizer_ready_.notify_all();
}

bool Queues::ended() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return (thread_ended_ || hung_) && to_engine_.empty();
}

Received Queues::receive(std::string& message, double wait_s) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait_s));
  while (true) {
    // One decision under one lock: a message is handed out before "ended" is ever reported.
    if (!to_engine_.empty()) {
      message = std::move(to_engine_.front());
      to_engine_.pop_front();
      return Received::message;
    }
    if (thread_ended_ || hung_) return Received::ended;
    double silent = std::chrono::duration<double>(Clock::now() - last_activity_).count();
    if (hang_timeout_s_ > 0 && !waiting_ && silent > hang_timeout_s_) {
      // The thread may still be computing; it is left to end with the process (see the hosts' destructors).
      hung_ = true;
      message = core::Json{{"type", "abort"},
                           {"message", who_ + " hung: no message for " + seconds_text(hang_timeout_s_) +
                                           " s while it was not waiting for a result "
                                           "(optimizer.options.hang_timeout; 0 turns this off)"}}
                    .dump();
      return Received::message;
    }
    if (Clock::now() >= deadline) return Received::nothing;
    auto until = deadline;
    if (hang_timeout_s_ > 0)  // wake in time to notice a hang while waiting
      until = std::min(until, last_activity_ + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(hang_timeout_s_ + 0.01)));
    to_engine_ready_.wait_until(lock, std::max(until, Clock::now() + std::chrono::milliseconds(1)));
  }
}

std::string Queues::seconds_text(double s) {
  std::string t = std::to_string(s);
  t.erase(t.find_last_not_of('0') + 1);
  if (!t.empty() && t.back() == '.') t.pop_back();
  return t;
}

}  // namespace sv::eq

namespace sv::eq {

double hang_timeout_of(const std::string& config_json) {
  core::Json cfg = core::Json::parse(config_json, nullptr, false);
  double hang = 300;
  if (cfg.is_object() && cfg.contains("optimizer") && cfg["optimizer"].is_object() &&
      cfg["optimizer"].contains("options")) {
    const auto& o = cfg["optimizer"]["options"];
    if (o.is_object() && o.contains("hang_timeout") && o["hang_timeout"].is_number())
      hang = o["hang_timeout"].get<double>();
  }
  return hang;
}

}  // namespace sv::eq
