"""Helpers shared by the model_runner tests (a module of its own: conftest is not importable
by name once several conftest files exist)."""
import json
import os

from model_runner import shell

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def configure(run_dir, entry, *, python_path=(), defaults=None, metric="val_loss", mode="last",
              task_files=False, timeout=0, preload=(), name="m"):
    """configure() one python model with the JSON layout the C++ side sends."""
    config = {"tasks_dir": os.path.join(str(run_dir), "tasks"), "rank": 1, "host": "testhost", "preload": list(preload),
              "models": [{"name": name, "kind": "python", "entry": entry,
                          "defaults": defaults or {}, "python_path": list(python_path),
                          "objective": {"metric": metric, "goal": "minimize", "mode": mode},
                          "task_files": task_files, "timeout": timeout}]}
    shell.configure(json.dumps(config))
