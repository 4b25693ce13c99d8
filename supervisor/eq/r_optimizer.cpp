// The R optimizer host (EQ/R): eq_r/host.R runs in this process's one embedded R (RInside) on its own
// thread. This is the only eq file that includes RInside.h. RInside is constructed on the calling thread
// (rank 0's main thread, before the server loop); afterwards every R call happens on the optimizer thread,
// never on two threads at once (TOOLCHAIN.md). As in python_optimizer.cpp the two string queues live here
// in C++: R reaches them through `.sv_out_put(s)` / `.sv_in_get()` (Rcpp::InternalFunction), which host.R
// wraps as EMEWS's OUT_put / IN_get; `.sv_in_try_get()` returns "" at once when nothing is queued.
//
// Unlike EMEWS, a dead or hung R thread does not block the campaign: an R error ends in an abort message
// (tryCatch in host.R, and a C++ catch around it), and the queues' watchdog (eq/queues.hpp) turns "R busy,
// silent for optimizer.options.hang_timeout seconds, while not waiting for the engine" into an abort.
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
#include <optional>
#include <thread>

#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "eq/port.hpp"
#include "eq/queues.hpp"

namespace sv::eq {

namespace {

Queues g_queues;

void r_out_put(std::string s) { g_queues.put(std::move(s)); }

std::string r_in_get() {
  std::optional<std::string> message = g_queues.get();
  // A closed queue is read by host.R as a stop; an EMEWS algorithm gets EQR_ABORT from it.
  return message ? *message : core::Json{{"type", "closed"}}.dump();
}

// Without waiting: the next message, or "" when none is queued. The streaming driver takes every result
// that arrived while R was fitting this way, and proposes for all of them with one fit.
std::string r_in_try_get() { return g_queues.try_get().value_or(std::string()); }

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
    g_queues.reset(hang_timeout_s_, "the R optimizer");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kStackBytes);
    int rc = pthread_create(&thread_, &attr, &ROptimizer::trampoline, this);
    pthread_attr_destroy(&attr);
    if (rc != 0) throw core::ModelError("cannot start the R optimizer's thread");
  }

  ~ROptimizer() override {
    g_queues.close();
    for (int i = 0; i < 200 && !finished_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (finished_) {
      pthread_join(thread_, nullptr);
    } else {
      pthread_detach(thread_);  // a hung R computation ends with the process
    }
  }

  Received receive(std::string& message, double wait_s) override { return g_queues.receive(message, wait_s); }
  void send(std::string message) override { g_queues.send(std::move(message)); }
  void close() override { g_queues.close(); }

 private:
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
    g_queues.mark_ended();
  }

  std::string config_;
  std::string root_;
  double hang_timeout_s_;
  pthread_t thread_{};
  std::atomic<bool> finished_{false};
};

}  // namespace

std::unique_ptr<OptimizerPort> start_r_optimizer(const std::string& config_json, const std::string& eq_r_root) {
  try {
    return std::make_unique<ROptimizer>(config_json, eq_r_root, hang_timeout_of(config_json));
  } catch (const core::ModelError&) {
    throw;
  } catch (const std::exception& e) {
    throw core::ModelError(std::string("cannot start the embedded R for the optimizer: ") + e.what());
  }
}

}  // namespace sv::eq
