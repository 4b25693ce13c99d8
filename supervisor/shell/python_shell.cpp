// The shell's only file that includes Python.h (it is heavy; see ../shared/TOOLCHAIN.md on build times).
#include <atomic>
#include <cstdlib>

#include "core/clock.hpp"
#include "core/errors.hpp"
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
std::atomic<bool> g_should_stop{false};
double g_drain_at = 0;  // wall time; set once before any task runs

PyObject* sv_report(PyObject*, PyObject* args) {
  unsigned long long task_id = 0;
  const char* payload = nullptr;
  Py_ssize_t len = 0;
  if (!PyArg_ParseTuple(args, "Ks#", &task_id, &payload, &len)) return nullptr;
  if (g_progress) g_progress(task_id, std::string_view(payload, static_cast<std::size_t>(len)));
  Py_RETURN_NONE;
}

PyObject* sv_should_stop(PyObject*, PyObject*) {
  bool stop = g_should_stop.load() || (g_drain_at > 0 && core::wall_now() >= g_drain_at);
  return PyBool_FromLong(stop ? 1 : 0);
}

PyMethodDef g_methods[] = {
    {"report", sv_report, METH_VARARGS, "report(task_id, payload_json): stream a progress payload to rank 0"},
    {"should_stop", sv_should_stop, METH_NOARGS, "True when the job asks running models to stop"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef g_module = {PyModuleDef_HEAD_INIT, "_supervisor", "Supervisor worker hooks", -1, g_methods,
                        nullptr, nullptr, nullptr, nullptr};

PyObject* init_supervisor_module() { return PyModule_Create(&g_module); }

class PythonShell : public Shell {
 public:
  PythonShell(const ShellConfig& config, ProgressSink progress) {
    g_progress = std::move(progress);
    g_drain_at = config.drain_at;
    const char* root_env = std::getenv("SV_PYTHON_ROOT");
    std::string root = root_env && *root_env ? root_env : SV_PYTHON_ROOT;
    // Models next to the workflow file import without further set-up; appended, so they cannot shadow the
    // standard library.
    std::vector<std::string> back;
    if (!config.source_dir.empty()) back.push_back(config.source_dir);
    pyembed::start({{"_supervisor", &init_supervisor_module}}, {root}, back);
    pyembed::Gil gil;
    load_runner(config);
  }

  TaskOutcome run(const TaskInput& task) override {
    TaskOutcome out;
    out.start_time = core::wall_now();
    pyembed::Gil gil;
    PyObject* args[5] = {
        PyLong_FromUnsignedLong(task.model), PyLong_FromUnsignedLongLong(task.task_id),
        PyUnicode_FromStringAndSize(task.node_id.data(), static_cast<Py_ssize_t>(task.node_id.size())),
        PyLong_FromUnsignedLong(task.attempt),
        PyUnicode_FromStringAndSize(task.params.data(), static_cast<Py_ssize_t>(task.params.size()))};
    PyObject* ret = nullptr;
    if (args[2] && args[4]) ret = PyObject_Vectorcall(run_task_, args, 5, nullptr);
    for (PyObject* a : args) Py_XDECREF(a);
    if (!ret) {
      out.ok = false;
      out.error = "model_runner failed outside the model: " + pyembed::fetch_error();
    } else if (!PyTuple_Check(ret) || PyTuple_Size(ret) != 4) {
      out.ok = false;
      out.error = "model_runner.shell.run_task returned something other than a 4-tuple";
    } else {
      out.ok = PyObject_IsTrue(PyTuple_GET_ITEM(ret, 0)) == 1;
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
    out.end_time = core::wall_now();
    return out;
  }

 private:
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
};

}  // namespace

std::unique_ptr<Shell> make_python_shell(const ShellConfig& config, ProgressSink progress) {
  return std::make_unique<PythonShell>(config, std::move(progress));
}

}  // namespace sv::shell
