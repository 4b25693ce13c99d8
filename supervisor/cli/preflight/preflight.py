"""What `supervisor validate`, `submit` and `run` check in Python before anything is created.

Run by cli/preflight.cpp in a child process (so model code imported here can neither hang nor crash
the supervisor, and the real run starts with a fresh interpreter). Reads one JSON object on stdin:

    {"eq_py": "/src/eq_py", "runner": "/src",
     "optimizer": <config_json for eqpy.host, or null>,
     "package": <the Python package the optimizer needs ("deap", "optuna"), or null>,
     "models": [{"key": "model.entry", "entry": "pkg.mod:func", "python_path": [...],
                 "source_dir": "/dir/of/the/yaml"}, ...]}

and prints one JSON object: {"problems": [{"key": "...", "what": "..."}, ...]} (empty: all is well),
with "missing_package": NAME when the optimizer's package cannot be imported (its options are then not
checked: building the optimizer would only fail on the import).
"""
import importlib.util
import json
import sys


def check_optimizer(config, eq_py):
    sys.path.insert(0, eq_py)
    from eqpy.host import check_report
    problem = check_report(json.dumps(config))
    return [problem] if problem else []


def check_model(model, runner):
    """The model's module is imported as a worker would import it (model_runner.loader)."""
    saved = list(sys.path)
    try:
        # As the Python shell: the runner's root and python_path in front, the workflow's folder last.
        sys.path[:0] = [runner] + list(model.get("python_path") or [])
        if model.get("source_dir"):
            sys.path.append(model["source_dir"])
        from model_runner.loader import load_entry
        load_entry(model["entry"])
        return []
    except ImportError as err:
        missing = getattr(err, "name", None)
        cause = err.__cause__ if isinstance(err.__cause__, ImportError) else err
        if isinstance(cause, ModuleNotFoundError) and cause.name:
            missing = cause.name
            what = (f"cannot import {model['entry'].rpartition(':')[0]!r}: no module named "
                    f"{missing!r} (looked in model.python_path, the workflow's folder and the "
                    "Python's own path; add its folder to model.python_path)")
        else:
            what = f"cannot import the model: {err}"
        return [{"key": model["key"], "what": what}]
    except BaseException as err:  # noqa: B902 - any failure of the import is the user's to see
        return [{"key": model["key"], "what": f"importing the model failed: "
                                              f"{type(err).__name__}: {err}".splitlines()[0]}]
    finally:
        sys.path[:] = saved


def main():
    out = sys.stdout
    sys.stdout = sys.stderr  # a model printing on import must not garble the answer
    request = json.load(sys.stdin)
    problems = []
    answer = {}
    package = request.get("package")
    if package and importlib.util.find_spec(package) is None:
        answer["missing_package"] = package
    elif request.get("optimizer") is not None:
        problems += check_optimizer(request["optimizer"], request["eq_py"])
    for model in request.get("models") or []:
        problems += check_model(model, request["runner"])
    answer["problems"] = problems
    out.write(json.dumps(answer) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
