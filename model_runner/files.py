"""Task directories and writes that never leave a half-written file behind.

A worker can be killed at any instant (walltime, a lost node); a restart then
reads params.json, result.json and checkpoints. Writing to a temporary name in
the same folder and renaming makes each file either the old one or the new one.
"""
import json
import os
import re
import tempfile

__all__ = ["atomic_write_text", "write_json", "task_dir_for", "safe_component"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_component(name):
    """A node id as one path component, the same rule as the C++ ``sanitize_name``:
    characters outside ``[A-Za-z0-9._-]`` become ``_``, and so does a leading ``.`` or ``-``.
    """
    text = _UNSAFE.sub("_", str(name))
    if not text:
        return "_"
    if text[0] in ".-":
        text = "_" + text[1:]
    return text


def task_dir_for(tasks_dir, node_id):
    """``<tasks_dir>/<node>``: one task's folder. ``tasks_dir`` is handed over by the C++ side
    (core/run_dir.hpp names the run directory's layout), so Python never spells it."""
    return os.path.join(tasks_dir, safe_component(node_id))


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def atomic_write(path, write):
    """Call ``write(binary_file)`` on a temporary file, then rename it onto ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_json(path, text_or_obj):
    """Atomically write a JSON file from JSON text or a JSON-safe object."""
    text = text_or_obj if isinstance(text_or_obj, str) else json.dumps(text_or_obj, indent=1)
    atomic_write_text(path, text + ("" if text.endswith("\n") else "\n"))
