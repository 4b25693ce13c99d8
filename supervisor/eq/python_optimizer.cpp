// The Python optimizer host: eqpy runs on a std::thread that holds the GIL only while it runs Python.
// The queues live here in C++, so the server polls them without ever taking the GIL, and the optimizer's
// blocking IN_get() waits with the GIL released.
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "eq/port.hpp"
#include "eq/queues.hpp"
#include "pyembed/interpreter.hpp"

namespace sv::eq {

namespace {

// One optimizer per process (rank 0 runs one campaign), reached from the `_sv_eq` builtin module.
Queues g_queues;

PyObject* sv_out_put(PyObject*, PyObject* args) {
  const char* s = nullptr;
  Py_ssize_t n = 0;
  if (!PyArg_ParseTuple(args, "s#", &s, &n)) return nullptr;
  g_queues.put(std::string(s, static_cast<std::size_t>(n)));
  Py_RETURN_NONE;
}

PyObject* sv_in_get(PyObject*, PyObject*) {
  std::optional<std::string> message;
  Py_BEGIN_ALLOW_THREADS  // the optimizer waits for the engine without holding up other Python threads
  message = g_queues.get();
  Py_END_ALLOW_THREADS
  if (!message) {
    PyErr_SetString(PyExc_EOFError, "the supervisor closed the optimizer's queue (the campaign is ending)");
    return nullptr;
  }
  return PyUnicode_FromStringAndSize(message->data(), static_cast<Py_ssize_t>(message->size()));
}

PyMethodDef g_methods[] = {
    {"out_put", sv_out_put, METH_VARARGS, "out_put(str): a message from the optimizer to the engine"},
    {"in_get", sv_in_get, METH_NOARGS, "in_get() -> str: the next message from the engine (blocks)"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef g_module = {PyModuleDef_HEAD_INIT, "_sv_eq", "Supervisor optimizer queues", -1, g_methods,
                        nullptr, nullptr, nullptr, nullptr};

PyObject* init_module() { return PyModule_Create(&g_module); }

class PythonOptimizer : public OptimizerPort {
 public:
  PythonOptimizer(std::string config_json, const std::vector<std::string>& python_path) {
    g_queues.reset(hang_timeout_of(config_json), "the Python optimizer");
    pyembed::start({{"_sv_eq", &init_module}}, python_path);
    {
      // Import on this thread, so a missing eqpy fails the start with a clear message.
      pyembed::Gil gil;
      PyObject* mod = PyImport_ImportModule("eqpy.host");
      if (!mod) throw core::ModelError("cannot import eqpy.host for the optimizer: " + pyembed::fetch_error());
      main_ = PyObject_GetAttrString(mod, "main");
      Py_DECREF(mod);
      if (!main_) throw core::ModelError("eqpy.host has no main(): " + pyembed::fetch_error());
    }
    thread_ = std::thread([this, config = std::move(config_json)] { run(config); });
  }

  ~PythonOptimizer() override {
    g_queues.close();
    // A thread blocked in in_get() returns at once; one deep in a computation (or hung) is left to end
    // with the process rather than holding up the campaign's exit.
    for (int i = 0; i < 200 && !finished_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (finished_) {
      thread_.join();
    } else {
      thread_.detach();
    }
  }

  Received receive(std::string& message, double wait_s) override { return g_queues.receive(message, wait_s); }
  void send(std::string message) override { g_queues.send(std::move(message)); }
  void close() override { g_queues.close(); }

 private:
  void run(const std::string& config) {
    {
      pyembed::Gil gil;
      PyObject* r = PyObject_CallFunction(main_, "s#", config.data(), static_cast<Py_ssize_t>(config.size()));
      if (!r) {
        // eqpy.host.main never raises by contract; if it does, the engine still hears why.
        std::string tb = pyembed::fetch_error();
        g_queues.put(core::Json{{"type", "abort"}, {"message", tb}}.dump());
      }
      Py_XDECREF(r);
    }
    finished_ = true;
    g_queues.mark_ended();
  }

  PyObject* main_ = nullptr;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

}  // namespace

std::unique_ptr<OptimizerPort> start_python_optimizer(const std::string& config_json,
                                                      const std::vector<std::string>& python_path) {
  return std::make_unique<PythonOptimizer>(config_json, python_path);
}

}  // namespace sv::eq
