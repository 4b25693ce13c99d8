"""Epoch checkpoints: ``checkpoints/epoch-NNNN.pt``, written atomically, newest wins.

A task interrupted by walltime or a lost worker is re-run from its newest
checkpoint (``ctx.resume_from``). The files are torch.save archives holding
``{"epoch": n, "state": ...}``; torch is imported only when a checkpoint is
actually written or read, so models without torch never pay for it.
"""
import os
import re
import sys
import warnings

from .files import atomic_write

__all__ = ["checkpoint_path", "list_checkpoints", "latest_checkpoint",
           "save_checkpoint", "load_checkpoint", "save_object", "load_object"]

_NAME = re.compile(r"^epoch-(\d+)\.pt$")


def checkpoint_path(folder, epoch):
    """``folder/epoch-NNNN.pt``; four digits keep ``ls`` in epoch order for normal runs."""
    return os.path.join(folder, f"epoch-{int(epoch):04d}.pt")


def list_checkpoints(folder):
    """``[(epoch, path), ...]`` sorted by epoch; empty when the folder does not exist."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for name in names:
        match = _NAME.match(name)
        if match:
            found.append((int(match.group(1)), os.path.join(folder, name)))
    found.sort()
    return found


def latest_checkpoint(folder):
    """Path of the newest epoch checkpoint in ``folder``, or None."""
    found = list_checkpoints(folder)
    return found[-1][1] if found else None


def save_checkpoint(folder, epoch, state, keep=2):
    """Write ``state`` as epoch ``epoch``; keep only the ``keep`` newest (None keeps all).

    The old files are removed only after the new one is in place, so a crash at
    any point leaves at least one complete checkpoint.
    """
    os.makedirs(folder, exist_ok=True)
    path = checkpoint_path(folder, epoch)
    save_object({"epoch": int(epoch), "state": state}, path)
    if keep is not None and keep > 0:
        for _, old in list_checkpoints(folder)[:-keep]:
            try:
                os.unlink(old)
            except OSError:
                pass
    return path


def load_checkpoint(folder):
    """``(epoch, state)`` from the newest readable checkpoint, or None when there is none.

    An unreadable file (a disk filled up mid-rename on some file systems) is
    skipped with a warning in favour of the one before it.
    """
    for epoch, path in reversed(list_checkpoints(folder)):
        try:
            data = load_object(path)
        except Exception as exc:  # noqa: BLE001 - fall back to an older checkpoint
            warnings.warn(f"skipping unreadable checkpoint {path}: {exc}")
            continue
        if isinstance(data, dict) and "state" in data:
            return int(data.get("epoch", epoch)), data["state"]
        return epoch, data
    return None


def save_object(obj, path):
    """torch.save ``obj`` to ``path`` atomically."""
    torch = _torch()
    atomic_write(path, lambda fh: torch.save(obj, fh))


def load_object(path, map_location="cpu"):
    """torch.load onto the CPU: the caller moves tensors to its device (which may differ).

    Checkpoints hold RNG states (numpy arrays, tuples), which torch >= 2.6 refuses to
    unpickle by default (``weights_only=True``); these are the task's own files, so
    they are loaded in full. torch 1.13 has the same keyword.
    """
    torch = _torch()
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except TypeError:  # a torch older than 1.13
        return torch.load(path, map_location=map_location)


def _torch():
    torch = sys.modules.get("torch")
    if torch is None:
        try:
            import torch
        except ImportError:
            raise ImportError("checkpoints and weights files need PyTorch "
                              "(Debian: python3-torch)") from None
    return torch
