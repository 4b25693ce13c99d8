#include "pyembed/interpreter.hpp"

#include <cstdlib>

#include "core/errors.hpp"

#ifndef SV_PYTHON_EXECUTABLE
#define SV_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif

namespace sv::pyembed {

std::string utf8(PyObject* s) {
  Py_ssize_t n = 0;
  const char* p = s ? PyUnicode_AsUTF8AndSize(s, &n) : nullptr;
  if (!p) {
    PyErr_Clear();
    return "";
  }
  return std::string(p, static_cast<std::size_t>(n));
}

std::string fetch_error() {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  if (!type) return "unknown Python error";
  PyErr_NormalizeException(&type, &value, &tb);
  std::string text;
  if (PyObject* mod = PyImport_ImportModule("traceback")) {
    PyObject* lines =
        PyObject_CallMethod(mod, "format_exception", "OOO", type, value ? value : Py_None, tb ? tb : Py_None);
    if (lines) {
      PyObject* empty = PyUnicode_FromString("");
      PyObject* joined = PyUnicode_Join(empty, lines);
      if (joined) text = utf8(joined);
      Py_XDECREF(joined);
      Py_XDECREF(empty);
      Py_DECREF(lines);
    }
    Py_DECREF(mod);
  }
  PyErr_Clear();
  std::string head;
  if (value) {
    PyObject* s = PyObject_Str(value);
    if (s) head = utf8(s);
    Py_XDECREF(s);
  }
  PyErr_Clear();
  std::string name = reinterpret_cast<PyTypeObject*>(type)->tp_name;
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return name + ": " + head + "\n\n" + text;
}

namespace {
std::wstring widen(const std::string& s) { return std::wstring(s.begin(), s.end()); }

void add_path(const std::string& dir, bool front) {
  PyObject* path = PySys_GetObject("path");  // borrowed
  if (!path || dir.empty()) return;
  PyObject* s = PyUnicode_FromString(dir.c_str());
  if (front) {
    PyList_Insert(path, 0, s);
  } else {
    PyList_Append(path, s);
  }
  Py_DECREF(s);
}
}  // namespace

void start(const std::vector<Builtin>& builtins, const std::vector<std::string>& path_front,
           const std::vector<std::string>& path_back) {
  if (Py_IsInitialized()) throw core::ModelError("the embedded Python interpreter was started twice");
  for (const auto& b : builtins) PyImport_AppendInittab(b.name, b.init);
  PyConfig cfg;
  PyConfig_InitPythonConfig(&cfg);
  cfg.install_signal_handlers = 0;  // signals belong to the MPI launcher and the supervisor
  cfg.parse_argv = 0;
  // Otherwise sys.executable is whatever launched us (a pyenv shim, mpiexec), and code that starts a child
  // Python (multiprocessing) would start the wrong one.
  const char* exe = std::getenv("SV_PYTHON_EXECUTABLE");
  std::wstring wexe = widen(exe && *exe ? exe : SV_PYTHON_EXECUTABLE);
  // program_name too: Python finds its prefix, and a venv's pyvenv.cfg (so the venv's site-packages),
  // from it, which lets a site's venv or conda interpreter work with no PYTHONPATH.
  PyStatus st = PyConfig_SetString(&cfg, &cfg.program_name, wexe.c_str());
  if (!PyStatus_Exception(st)) st = PyConfig_SetString(&cfg, &cfg.executable, wexe.c_str());
  if (!PyStatus_Exception(st)) st = Py_InitializeFromConfig(&cfg);
  PyConfig_Clear(&cfg);
  if (PyStatus_Exception(st))
    throw core::ModelError(std::string("cannot start the embedded Python: ") +
                           (st.err_msg ? st.err_msg : "unknown error"));
  for (auto it = path_front.rbegin(); it != path_front.rend(); ++it) add_path(*it, true);
  for (const auto& p : path_back) add_path(p, false);
  // Release the GIL: threads Python code starts can run, and other C++ threads take it through Gil.
  PyEval_SaveThread();
}

}  // namespace sv::pyembed
