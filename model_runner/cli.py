"""``python3 -m model_runner run pkg.mod:func --params '{...}'``: one model, by hand.

Prints the result JSON (what the supervisor would store) on stdout and a one-line
summary on stderr; exits 1 when the task fails, 2 on a usage error.
"""
import argparse
import json
import os
import sys
import time

from .params import load_default_params, merge_params
from .standalone import run_model

__all__ = ["main"]


def _parser():
    parser = argparse.ArgumentParser(
        prog="python3 -m model_runner",
        description="Run a Supervisor model outside the supervisor.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one model once and print its result JSON")
    run.add_argument("entry", help="package.module:function (or /path/file.py:function)")
    run.add_argument("--params", default="{}", help="JSON object of parameters")
    run.add_argument("--params-file", help="default parameter file (INI/YAML/JSON) "
                     "layered under --params")
    run.add_argument("--task-dir", help="task directory; writes params.json/result.json "
                     "there and resumes from its checkpoints")
    run.add_argument("--metric", default="val_loss",
                     help="objective metric (default val_loss; '' for none)")
    run.add_argument("--mode", default="last", choices=("last", "min", "max"))
    run.add_argument("--python-path", action="append", default=[],
                     help="folder to put in front of sys.path (repeatable)")
    run.add_argument("--node-id", default="standalone")
    return parser


def main(argv=None):
    """Entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        params = json.loads(args.params)
    except ValueError as exc:
        print(f"model_runner: --params is not valid JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(params, dict):
        print("model_runner: --params must be a JSON object", file=sys.stderr)
        return 2
    for folder in reversed(args.python_path):
        sys.path.insert(0, os.path.abspath(folder))
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    if args.params_file:
        try:
            params = merge_params(load_default_params(args.params_file), params)
        except (OSError, ValueError, ImportError) as exc:
            print(f"model_runner: {exc}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    try:
        outcome = run_model(args.entry, params, task_dir=args.task_dir,
                            metric=args.metric or None, mode=args.mode, node_id=args.node_id)
    except (ImportError, AttributeError, TypeError, ValueError, OSError) as exc:
        print(f"model_runner: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(json.dumps(outcome.result, indent=2))
    if outcome.ok:
        shown = "none" if outcome.objective is None else f"{outcome.objective:.6g}"
        print(f"ok: objective {args.metric or 'objective'} = {shown} ({elapsed:.2f} s)",
              file=sys.stderr)
        return 0
    print(f"FAILED ({elapsed:.2f} s): {outcome.error}", file=sys.stderr)
    return 1
