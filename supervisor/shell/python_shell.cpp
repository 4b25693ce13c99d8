// The shell's only file that includes Python.h (it is heavy; see ../shared/TOOLCHAIN.md on build times).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <cstdlib>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/objective_abi.h"
#include "core/resource_dir.hpp"
#include "pyembed/interpreter.hpp"
#include "shell/python_shell.hpp"
#include "shell/runner_config.hpp"

#ifndef SV_PYTHON_ROOT
#define SV_PYTHON_ROOT ""
#endif

namespace sv::shell {

namespace {

// The `_supervisor` builtin module lets model code stream progress and poll for a stop request. One
// embedded interpreter per process, so process-wide state is the honest shape here.
ProgressSink g_progress;
double g_drain_at = 0;  // wall time; set once before any task runs
std::uint64_t g_task_id = 0;  // the task the interpreter runs now (main thread, GIL held)

PyObject* sv_report(PyObject*, PyObject* args) {
  unsigned long long task_id = 0;
  const char* payload = nullptr;
  Py_ssize_t len = 0;
  if (!PyArg_ParseTuple(args, "Ks#", &task_id, &payload, &len)) return nullptr;
  if (g_progress) g_progress(task_id, std::string_view(payload, static_cast<std::size_t>(len)));
  Py_RETURN_NONE;
}

PyObject* sv_should_stop(PyObject*, PyObject*) {
  bool stop = stop_requested() || (g_drain_at > 0 && core::wall_now() >= g_drain_at) ||
              task_stop_requested(g_task_id);
  return PyBool_FromLong(stop ? 1 : 0);
}

// pick_objective(result_json, metric, mode) -> float, or the reason there is none (str): the objective rule
// (core/objective_abi.h) linked into this worker, so the embedded runner skips the ctypes call it makes
// elsewhere (model_runner/objective_rule.py). Raises ValueError for text that is not JSON or a bad mode.
PyObject* sv_pick_objective_py(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3) {
    PyErr_SetString(PyExc_TypeError, "pick_objective(result_json, metric, mode) takes 3 arguments");
    return nullptr;
  }
  Py_ssize_t len = 0;
  const char* text = PyUnicode_AsUTF8AndSize(args[0], &len);
  const char* metric = text ? PyUnicode_AsUTF8(args[1]) : nullptr;
  const char* mode = metric ? PyUnicode_AsUTF8(args[2]) : nullptr;
  if (!mode) return nullptr;
  double value = 0;
  char error[512];
  int status = sv_pick_objective(text, static_cast<std::size_t>(len), metric, mode, &value, error, sizeof error);
  if (status == 1) return PyFloat_FromDouble(value);
  if (status == 0) return PyUnicode_DecodeUTF8(error, static_cast<Py_ssize_t>(std::strlen(error)), "replace");
  PyErr_SetString(PyExc_ValueError, error);
  return nullptr;
}

PyMethodDef g_methods[] = {
    {"report", sv_report, METH_VARARGS, "report(task_id, payload_json): stream a progress payload to rank 0"},
    {"should_stop", sv_should_stop, METH_NOARGS, "True when the job asks running models to stop"},
    {"pick_objective", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(sv_pick_objective_py)),
     METH_FASTCALL, "pick_objective(result_json, metric, mode): the objective, or why there is none"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef g_module = {PyModuleDef_HEAD_INIT, "_supervisor", "Supervisor worker hooks", -1, g_methods,
                        nullptr, nullptr, nullptr, nullptr};

PyObject* init_supervisor_module() { return PyModule_Create(&g_module); }

// Interrupts a model call that runs past model.timeout by raising TimeoutError in the worker's main
// thread (PyThreadState_SetAsyncExc). That stops Python code at its next bytecode; code stuck inside one
// C call only stops when the call returns. If it has not returned `grace` seconds after the interrupt,
// the call is taken as stuck for good and `on_stuck` is called (from the watchdog's thread): the worker
// then gives itself up so the task runs elsewhere. `resources.shell: isolated` gives a hard stop instead.
class Watchdog {
 public:
  using OnStuck = std::function<void(std::uint64_t task_id, const std::string& why)>;
  Watchdog(double grace, OnStuck on_stuck) : grace_(grace), on_stuck_(std::move(on_stuck)), thread_([this] { loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> l(m_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
    take_firer().join_if_any();
  }
  /// Called on the main thread with the GIL held, before the model call.
  void arm(double seconds, std::uint64_t task_id) {
    if (!main_thread_) main_thread_ = PyThread_get_thread_ident();
    std::lock_guard<std::mutex> l(m_);
    armed_ = true;
    fired_ = false;
    timeout_ = seconds;
    task_id_ = task_id;
    deadline_ = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                        std::chrono::duration<double>(seconds));
    cv_.notify_all();
  }
  /// Called on the main thread WITHOUT the GIL after the call; true when the timeout fired.
  bool disarm() {
    {
      std::lock_guard<std::mutex> l(m_);
      armed_ = false;
    }
    cv_.notify_all();
    take_firer().join_if_any();  // it needs the GIL, which this thread does not hold now
    bool fired;
    {
      std::lock_guard<std::mutex> l(m_);
      fired = fired_;
    }
    if (fired) {
      // The exception may still be pending if the call returned first: clear it so the next task is clean.
      pyembed::Gil gil;
      PyThreadState_SetAsyncExc(main_thread_, nullptr);
    }
    return fired;
  }

 private:
  struct Firer {
    std::thread thread;
    void join_if_any() {
      if (thread.joinable()) thread.join();
    }
  };
  /// The interrupt thread, handed over under the lock and joined outside it (it takes the lock to finish).
  Firer take_firer() {
    std::lock_guard<std::mutex> l(m_);
    return std::move(firer_);
  }

  void loop() {
    std::unique_lock<std::mutex> l(m_);
    while (!quit_) {
      cv_.wait(l, [this] { return quit_ || armed_; });
      if (quit_) break;
      auto deadline = deadline_;
      if (cv_.wait_until(l, deadline, [this, deadline] { return quit_ || !armed_ || deadline_ != deadline; }))
        continue;
      // The interrupt needs the GIL, which a C call may hold for good: raise it from a thread of its own so
      // this one can still tell when the grace period is over.
      firer_.thread = std::thread([this] {
        pyembed::Gil gil;
        PyThreadState_SetAsyncExc(main_thread_, PyExc_TimeoutError);
        std::lock_guard<std::mutex> fl(m_);
        fired_ = true;
      });
      auto give_up_at = deadline + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(grace_));
      if (cv_.wait_until(l, give_up_at, [this, deadline] { return quit_ || !armed_ || deadline_ != deadline; }))
        continue;
      if (on_stuck_) {
        char why[256];
        std::snprintf(why, sizeof why,
                      "timed out after %s (model.timeout) and did not stop within %s of the interrupt (stuck in a "
                      "C call?); this worker gave itself up",
                      core::format_duration(timeout_).c_str(), core::format_duration(grace_).c_str());
        std::uint64_t task = task_id_;
        l.unlock();
        on_stuck_(task, why);
        l.lock();
      }
      cv_.wait(l, [this, deadline] { return quit_ || !armed_ || deadline_ != deadline; });
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  bool quit_ = false, armed_ = false, fired_ = false;
  double grace_ = 30, timeout_ = 0;
  OnStuck on_stuck_;
  std::uint64_t task_id_ = 0;
  std::chrono::steady_clock::time_point deadline_;
  unsigned long main_thread_ = 0;
  Firer firer_;  // raises the interrupt; created by the watchdog thread, joined by the main one (disarm)
  std::thread thread_;
};

class PythonShell : public Shell {
 public:
  PythonShell(const ShellConfig& config, ProgressSink progress)
      : watchdog_(config.timeout_grace_s, config.on_stuck) {
    g_progress = std::move(progress);
    g_drain_at = config.drain_at;
    std::string root = core::resource_dir("SV_PYTHON_ROOT", SV_PYTHON_ROOT, "python");
    // Models next to the workflow file import without further set-up; appended, so they cannot shadow the
    // standard library.
    std::vector<std::string> back;
    if (!config.source_dir.empty()) back.push_back(config.source_dir);
    pyembed::start({{"_supervisor", &init_supervisor_module}}, {root}, back);
    pyembed::Gil gil;
    load_runner(config);
    for (const auto& m : config.models) timeouts_.push_back(m.kind == spec::ModelKind::python ? m.timeout_s : 0);
  }

  core::TaskResult run(const core::TaskInput& task) override {
    core::TaskResult out;
    out.start_time = core::wall_now();
    double timeout = task.model < timeouts_.size() ? timeouts_[task.model] : 0;
    {
      pyembed::Gil gil;
      if (timeout > 0) watchdog_.arm(timeout, task.task_id);
      g_task_id = task.task_id;
      call(task, out);
      g_task_id = 0;
    }
    if (timeout > 0 && watchdog_.disarm()) {
      out.outcome = core::Outcome::failed;
      out.error = "timed out after " + core::format_duration(timeout) +
                  " (model.timeout): the model call was interrupted\n\n" + out.error;
    }
    out.end_time = core::wall_now();
    return out;
  }

 private:
  // One model call through model_runner.shell.run_task; the GIL is held.
  void call(const core::TaskInput& task, core::TaskResult& out) {
    PyObject* args[5] = {
        PyLong_FromUnsignedLong(task.model), PyLong_FromUnsignedLongLong(task.task_id),
        PyUnicode_FromStringAndSize(task.node_id.data(), static_cast<Py_ssize_t>(task.node_id.size())),
        PyLong_FromUnsignedLong(task.attempt),
        PyUnicode_FromStringAndSize(task.params.data(), static_cast<Py_ssize_t>(task.params.size()))};
    PyObject* ret = nullptr;
    if (args[2] && args[4]) ret = PyObject_Vectorcall(run_task_, args, 5, nullptr);
    for (PyObject* a : args) Py_XDECREF(a);
    if (!ret) {
      out.outcome = core::Outcome::failed;
      out.error = "model_runner failed outside the model: " + pyembed::fetch_error();
    } else if (!PyTuple_Check(ret) || PyTuple_Size(ret) != 4) {
      out.outcome = core::Outcome::failed;
      out.error = "model_runner.shell.run_task returned something other than a 4-tuple";
    } else {
      out.outcome = PyObject_IsTrue(PyTuple_GET_ITEM(ret, 0)) == 1 ? core::Outcome::ok : core::Outcome::failed;
      PyObject* obj = PyTuple_GET_ITEM(ret, 1);
      if (obj != Py_None) {
        double v = PyFloat_AsDouble(obj);
        if (PyErr_Occurred()) {
          PyErr_Clear();
        } else {
          out.objective = v;
        }
      }
      out.result = pyembed::utf8(PyTuple_GET_ITEM(ret, 2));
      out.error = pyembed::utf8(PyTuple_GET_ITEM(ret, 3));
    }
    Py_XDECREF(ret);
  }

  void load_runner(const ShellConfig& config) {
    PyObject* mod = PyImport_ImportModule("model_runner.shell");
    if (!mod)
      throw core::ModelError("cannot import model_runner.shell (set SV_PYTHON_ROOT to the folder holding "
                             "model_runner/): " + pyembed::fetch_error());
    PyObject* configure = PyObject_GetAttrString(mod, "configure");
    run_task_ = PyObject_GetAttrString(mod, "run_task");
    Py_DECREF(mod);
    if (!configure || !run_task_) {
      Py_XDECREF(configure);
      throw core::ModelError("model_runner.shell lacks configure/run_task: " + pyembed::fetch_error());
    }
    std::string cfg = runner_config_json(config);
    PyObject* r = PyObject_CallFunction(configure, "s#", cfg.data(), static_cast<Py_ssize_t>(cfg.size()));
    Py_DECREF(configure);
    if (!r) throw core::ModelError(pyembed::fetch_error());
    Py_DECREF(r);
  }

  PyObject* run_task_ = nullptr;  // kept for the worker's life
  std::vector<double> timeouts_;  // by model index
  Watchdog watchdog_;
};

}  // namespace

std::unique_ptr<Shell> make_python_shell(const ShellConfig& config, ProgressSink progress) {
  return std::make_unique<PythonShell>(config, std::move(progress));
}

}  // namespace sv::shell
