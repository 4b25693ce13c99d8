// The R optimizer host (EQ/R): eq_r/host.R runs in this process's one embedded R (RInside) on its own
// thread. This is the only eq file that includes RInside.h. RInside is constructed on the calling thread
// (rank 0's main thread, before the server loop); afterwards every R call happens on the optimizer thread,
// never on two threads at once (TOOLCHAIN.md). As in python_optimizer.cpp the two string queues live here
// in C++: R reaches them through `.sv_out_put(s)` / `.sv_in_get()` (Rcpp::InternalFunction), which host.R
// wraps as EMEWS's OUT_put / IN_get; `.sv_in_try_get()` returns "" at once when nothing is queued.
//
// Unlike EMEWS, a dead or hung R thread does not block the campaign: an R error ends in an abort message
// (tryCatch in host.R, and a C++ catch around it), and a watchdog turns "R busy, silent for
// optimizer.options.hang_timeout seconds, while not waiting for the engine" into an abort.
#include <RInside.h>
#include <pthread.h>
#include <sys/resource.h>

#include <cstdint>

// R's C stack check (Rinterface.h declares these only under CSTACK_DEFNS, before RInside's include of it).
extern "C" {
extern uintptr_t R_CStackLimit;
extern uintptr_t R_CStackStart;
}

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "eq/port.hpp"

namespace sv::eq {

namespace {

struct Queues {
  std::mutex mutex;
  std::condition_variable to_optimizer_ready;
  std::deque<std::string> to_engine, to_optimizer;
  bool closed = false;
  bool waiting = true;      // R is blocked in IN_get (or not started): not "hung"
  double last_activity = 0;  // mono time of R's last OUT_put / return from IN_get
};
Queues g_queues;

void r_out_put(std::string s) {
  std::lock_guard<std::mutex> lock(g_queues.mutex);
  g_queues.to_engine.push_back(std::move(s));
  g_queues.last_activity = core::mono_now();
}

std::string r_in_get() {
  std::string message;
  {
    std::unique_lock<std::mutex> lock(g_queues.mutex);
    g_queues.waiting = true;
    g_queues.to_optimizer_ready.wait(lock, [] { return g_queues.closed || !g_queues.to_optimizer.empty(); });
    g_queues.waiting = false;
    g_queues.last_activity = core::mono_now();
    if (g_queues.to_optimizer.empty()) {
      // Read by host.R as a stop; an EMEWS algorithm gets EQR_ABORT from it.
      return core::Json{{"type", "closed"}}.dump();
    }
    message = std::move(g_queues.to_optimizer.front());
    g_queues.to_optimizer.pop_front();
  }
  return message;
}

// Without waiting: the next message, or "" when none is queued. The streaming driver takes every result
// that arrived while R was fitting this way, and proposes for all of them with one fit.
std::string r_in_try_get() {
  std::lock_guard<std::mutex> lock(g_queues.mutex);
  g_queues.last_activity = core::mono_now();
  if (g_queues.to_optimizer.empty()) return std::string();
  std::string message = std::move(g_queues.to_optimizer.front());
  g_queues.to_optimizer.pop_front();
  return message;
}

constexpr std::size_t kStackBytes = 256u << 20;  // the R thread's own stack (deep recursion in R is fine)

RInside& embedded_r() {
  RInside* r = RInside::instancePtr();
  if (!r) r = new RInside(0, nullptr, /*loadRcpp=*/true, /*verbose=*/false, /*interactive=*/false);  // one per process, ever
  return *r;
}

class ROptimizer : public OptimizerPort {
 public:
  ROptimizer(std::string config_json, const std::string& eq_r_root, double hang_timeout_s)
      : config_(std::move(config_json)), root_(eq_r_root), hang_timeout_s_(hang_timeout_s) {
    RInside& R = embedded_r();  // on the calling (main) thread
    R["sv_config_json"] = config_;
    R["sv_eq_r_root"] = root_;
    R[".sv_out_put"] = Rcpp::InternalFunction(&r_out_put);
    R[".sv_in_get"] = Rcpp::InternalFunction(&r_in_get);
    R[".sv_in_try_get"] = Rcpp::InternalFunction(&r_in_try_get);
    {
      std::lock_guard<std::mutex> lock(g_queues.mutex);
      g_queues.closed = false;
      g_queues.waiting = false;
      g_queues.last_activity = core::mono_now();
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kStackBytes);
    int rc = pthread_create(&thread_, &attr, &ROptimizer::trampoline, this);
    pthread_attr_destroy(&attr);
    if (rc != 0) throw core::ModelError("cannot start the R optimizer's thread");
  }

  ~ROptimizer() override {
    {
      std::lock_guard<std::mutex> lock(g_queues.mutex);
      g_queues.closed = true;
    }
    g_queues.to_optimizer_ready.notify_all();
    for (int i = 0; i < 200 && !finished_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (finished_) {
      pthread_join(thread_, nullptr);
    } else {
      pthread_detach(thread_);  // a hung R computation ends with the process
    }
  }

  bool try_receive(std::string& message) override {
    std::lock_guard<std::mutex> lock(g_queues.mutex);
    if (!g_queues.to_engine.empty()) {
      message = std::move(g_queues.to_engine.front());
      g_queues.to_engine.pop_front();
      return true;
    }
    if (!hung_ && !finished_ && hang_timeout_s_ > 0 && !g_queues.waiting &&
        core::mono_now() - g_queues.last_activity > hang_timeout_s_) {
      hung_ = true;
      message = core::Json{{"type", "abort"},
                           {"message", "the R optimizer hung: no message for " + fmt_seconds(hang_timeout_s_) +
                                           " s while no evaluation was running (optimizer.options.hang_timeout)"}}
                    .dump();
      return true;
    }
    return false;
  }

  void send(std::string message) override {
    {
      std::lock_guard<std::mutex> lock(g_queues.mutex);
      g_queues.to_optimizer.push_back(std::move(message));
    }
    g_queues.to_optimizer_ready.notify_one();
  }

  bool finished() const override { return finished_ || hung_; }

 private:
  static std::string fmt_seconds(double s) {
    std::string t = std::to_string(s);
    t.erase(t.find_last_not_of('0') + 1);
    if (!t.empty() && t.back() == '.') t.pop_back();
    return t;
  }

  static void* trampoline(void* self) {
    static_cast<ROptimizer*>(self)->run();
    return nullptr;
  }

  void run() {
    // Re-arm R's C stack check for this thread (RInside switched it off).
    char here = 0;
    R_CStackStart = reinterpret_cast<uintptr_t>(&here) + 4096;
    R_CStackLimit = static_cast<uintptr_t>(0.9 * static_cast<double>(kStackBytes));
    try {
      RInside& R = *RInside::instancePtr();
      R.parseEvalQ("source(file.path(sv_eq_r_root, 'host.R'), local = (sv_host_env <- new.env()))");
      R.parseEvalQ("sv_host_env$main(sv_config_json)");
    } catch (const std::exception& e) {
      r_out_put(core::Json{{"type", "abort"}, {"message", std::string("R optimizer host: ") + e.what()}}.dump());
    } catch (...) {
      r_out_put(core::Json{{"type", "abort"}, {"message", "R optimizer host: unknown C++ exception"}}.dump());
    }
    finished_ = true;
  }

  std::string config_;
  std::string root_;
  double hang_timeout_s_;
  pthread_t thread_{};
  std::atomic<bool> finished_{false};
  std::atomic<bool> hung_{false};
};

}  // namespace

std::unique_ptr<OptimizerPort> start_r_optimizer(const std::string& config_json, const std::string& eq_r_root) {
  core::Json cfg = core::Json::parse(config_json, nullptr, false);
  double hang = 300;
  if (cfg.is_object() && cfg.contains("optimizer") && cfg["optimizer"].contains("options")) {
    const auto& o = cfg["optimizer"]["options"];
    if (o.is_object() && o.contains("hang_timeout") && o["hang_timeout"].is_number())
      hang = o["hang_timeout"].get<double>();
  }
  try {
    return std::make_unique<ROptimizer>(config_json, eq_r_root, hang);
  } catch (const core::ModelError&) {
    throw;
  } catch (const std::exception& e) {
    throw core::ModelError(std::string("cannot start the embedded R for the optimizer: ") + e.what());
  }
}

}  // namespace sv::eq
