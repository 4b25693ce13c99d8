// Pyembed: the process's one embedded CPython, shared by the worker shell (model tasks) and rank 0's
// optimizer host. Terms: *start* initializes it once with Debian's interpreter as sys.executable and the
// given builtin modules, then releases the GIL; every later use takes the GIL through `Gil`.
// This header includes Python.h: include it only from the .cpp files that talk to Python.
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <vector>

namespace sv::pyembed {

struct Builtin {
  const char* name;
  PyObject* (*init)();
};

/// Initializes the interpreter (once per process; a second call throws core::ModelError), registers
/// `builtins`, prepends `path_front` to sys.path and appends `path_back`. Returns with the GIL released.
void start(const std::vector<Builtin>& builtins, const std::vector<std::string>& path_front,
           const std::vector<std::string>& path_back = {});

/// The pending Python exception as "Type: message\n\n<traceback>", cleared. Needs the GIL.
std::string fetch_error();

/// A str object's UTF-8 text ("" on error, which is cleared). Needs the GIL.
std::string utf8(PyObject* s);

/// Holds the GIL for a scope, from any thread.
class Gil {
 public:
  Gil() : state_(PyGILState_Ensure()) {}
  ~Gil() { PyGILState_Release(state_); }
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  PyGILState_STATE state_;
};

}  // namespace sv::pyembed
