"""The objective rule, called in its one implementation: ``core::pick_objective`` (C++), through the C
library ``libsv_objective.so`` (supervisor/core/objective_abi.h) loaded with ctypes. ctypes needs no
build against this Python, so the embedded interpreter, an isolated shell's child (any Python a site
names) and ``run_model`` outside the supervisor all get the objective R and app models get.

Terms: the *answer* is what the objective is picked from: the model's result dict with its adapted
``history``, or a bare number. It goes over as JSON text with NaN and Infinity kept (json.dumps writes
them bare, and the C++ side reads them), so a NaN objective is seen as NaN, not as null.

In a worker's embedded interpreter the same function is reached through the ``_supervisor`` module
(use_embedded), which saves the ctypes call. Where the library is: the path ``configure()`` was given (the worker's shell passes the one beside its
binary), else ``SV_OBJECTIVE_LIB``, else an install tree's ``<prefix>/lib`` (this package sits in
``<prefix>/share/supervisor/python``), else a checkout's ``build/lib``.
"""
import ctypes
import json
import os
import pathlib
import threading

from .errors import TaskFailure
from .jsonsafe import to_jsonable

__all__ = ["LIBRARY_NAME", "library_path", "pick", "pick_text", "use_embedded", "use_library"]

LIBRARY_NAME = "libsv_objective.so"
_ERROR_SIZE = 512
_ENCODER = json.JSONEncoder(allow_nan=True)  # NaN / Infinity stay bare: the rule tells them apart from null
_state = {"fn": None, "path": None, "embedded": None}
_local = threading.local()  # each thread's answer buffers: the call releases the GIL


def use_library(path):
    """Load the rule from ``path`` now (a worker's configure()); a clear error when it cannot be."""
    _state["fn"] = _load(str(path))
    _state["path"] = str(path)


def use_embedded(bridge):
    """In the embedded interpreter the worker's ``_supervisor`` module has the rule linked in
    (``pick_objective``): calls go there, without ctypes. Other bridges leave the library in use."""
    _state["embedded"] = getattr(bridge, "pick_objective", None)


def library_path():
    """The library this process uses or would load first."""
    if _state["path"]:
        return _state["path"]
    given = os.environ.get("SV_OBJECTIVE_LIB")
    if given:
        return given
    package = pathlib.Path(__file__).resolve().parent
    prefix = package.parents[3] if len(package.parents) > 3 else package.parent
    for folder in (prefix, package.parent / "build"):
        for candidate in [folder / "lib" / LIBRARY_NAME, *sorted(folder.glob("lib*/*/" + LIBRARY_NAME)),
                          *sorted(folder.glob("lib?*/" + LIBRARY_NAME))]:
            if candidate.is_file():
                return str(candidate)
    raise RuntimeError(f"model_runner picks objectives through {LIBRARY_NAME}, built with Supervisor, and "
                       f"found none beside it (looked in {prefix}/lib and {package.parent}/build/lib): "
                       "set SV_OBJECTIVE_LIB to its path")


def pick(answer, metric, mode):
    """The objective of ``answer`` as a finite float; TaskFailure with the rule's reason when it has none."""
    try:
        text = _ENCODER.encode(answer)
    except (TypeError, ValueError, RecursionError):
        text = _ENCODER.encode(to_jsonable(answer, keep_non_finite=True))
    return pick_text(text, metric, mode)


def pick_text(text, metric, mode):
    """``pick`` for an answer already written as JSON text (the runner's result text, when it is clean)."""
    embedded = _state["embedded"]
    if embedded is not None:
        got = embedded(text, str(metric), str(mode))
        if got.__class__ is float:
            return got
        raise TaskFailure(got)
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate from a model's string: passed on, the rule only reads it
        data = text.encode("utf-8", "surrogatepass")
    value, ref, error = _buffers()
    fn = _state["fn"] or _function()
    status = fn(data, len(data), str(metric).encode(), str(mode).encode(), ref, error, _ERROR_SIZE)
    if status == 1:
        return value.value
    message = error.value.decode("utf-8", "replace")
    if status == 0:
        raise TaskFailure(message)
    raise RuntimeError(f"objective rule ({library_path()}): {message}")


def _buffers():
    try:
        return _local.buffers
    except AttributeError:
        value = ctypes.c_double()
        _local.buffers = (value, ctypes.byref(value), ctypes.create_string_buffer(_ERROR_SIZE))
        return _local.buffers


def _function():
    _state["fn"] = _load(library_path())
    return _state["fn"]


def _load(path):
    try:
        lib = ctypes.CDLL(path)
        fn = lib.sv_pick_objective
    except (OSError, AttributeError) as exc:
        raise RuntimeError(f"cannot load the objective rule {path}: {exc} (set SV_OBJECTIVE_LIB to "
                           f"Supervisor's {LIBRARY_NAME})") from None
    fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p,
                   ctypes.POINTER(ctypes.c_double), ctypes.c_char_p, ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn
