"""Finding a model: entry strings, call shapes and the defaults a model ships.

Done once per model when a worker is configured, never per task: imports and
``inspect.signature`` cost tens of microseconds, a trivial task must cost less.
"""
import importlib
import importlib.util
import inspect
import os
import sys

from .params import load_default_params

__all__ = ["load_entry", "call_arity", "module_defaults"]


def load_entry(entry):
    """``"pkg.mod:func"`` (or ``"pkg.mod:Class.method"``, or ``"/path/file.py:func"``)
    -> ``(callable, module)``. Errors name the entry and say what is wrong."""
    if callable(entry):
        return entry, sys.modules.get(getattr(entry, "__module__", None) or "")
    if not isinstance(entry, str) or ":" not in entry:
        raise ValueError(f"model entry {entry!r} must look like 'package.module:function'")
    module_name, _, attr_path = entry.rpartition(":")
    if not module_name or not attr_path:
        raise ValueError(f"model entry {entry!r} must look like 'package.module:function'")
    module = _import(module_name, entry)
    obj = module
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            owner = getattr(obj, "__name__", type(obj).__name__)
            raise AttributeError(
                f"model entry {entry!r}: {owner} has no attribute {part!r}") from None
    if not callable(obj):
        raise TypeError(f"model entry {entry!r} is a {type(obj).__name__}, not a callable")
    return obj, module


def _import(module_name, entry):
    if module_name.endswith(".py") or os.sep in module_name:
        path = os.path.abspath(module_name)
        if not os.path.isfile(path):
            raise ImportError(f"model entry {entry!r}: file not found: {path}")
        name = "_model_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"model entry {entry!r}: cannot import {module_name!r}: {exc} "
                          f"(python_path and sys.path: {sys.path[:4]}...)") from exc


def call_arity(func):
    """How to call a model: 2 -> ``func(params, ctx)``, 1 -> ``func(params)``, 0 -> ``func()``.

    Counted from positional parameters; ``*args`` counts as room for ctx. When the
    signature cannot be read (some builtins) the model gets params only.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return 1
    positional = 0
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            return 2
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional += 1
    return min(positional, 2)


def module_defaults(module, func=None):
    """The defaults a model ships: ``DEFAULT_PARAMS_FILE`` (relative to its module file)
    and/or a ``default_params`` dict, the file first and the dict over it.

    Looked up on the entry's module, then on the module defining the function (so a
    package ``__init__`` that re-exports ``run`` still finds ``uno_default_model.txt``).
    """
    candidates = [module]
    defining = sys.modules.get(getattr(func, "__module__", None) or "")
    if defining is not None and defining is not module:
        candidates.append(defining)
    for mod in candidates:
        if mod is None:
            continue
        file_name = getattr(mod, "DEFAULT_PARAMS_FILE", None)
        inline = getattr(mod, "default_params", None)
        if file_name is None and inline is None:
            continue
        out = {}
        if file_name:
            base = os.path.dirname(os.path.abspath(getattr(mod, "__file__", "") or "."))
            out.update(load_default_params(os.path.join(base, os.fspath(file_name))))
        if inline:
            if not isinstance(inline, dict):
                raise TypeError(f"{mod.__name__}.default_params must be a dict, "
                                f"not {type(inline).__name__}")
            out.update(inline)
        return out
    return {}
