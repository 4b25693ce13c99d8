"""The training loop the torch examples share: epochs, early stopping, checkpoints, weights.

Resuming must give the very same weights as an uninterrupted run, so a checkpoint
holds everything that shapes the next epoch: model and optimizer state, the
early-stopping counters, the history so far, and every random-number generator
in play (torch's global one drives dropout, a dedicated one the shuffling).

A population-based-training segment (params ``_start_epoch``/``_end_epoch``, see
:func:`pbt_segment`) trains epochs ``_start_epoch``+1 .. ``_end_epoch`` from
``ctx.initial_weights`` and reports them with those numbers, so a member's curve runs on
across its segments. The weights carry over; the optimizer's state does not (the segment's
learning rate may be a new one), and early stopping is off in a segment: PBT ranks members
on their score at the segment's end epoch and the next segment starts there, so a segment
cut short by patience would be ranked on fewer epochs and leave a gap in the member's
epochs. A member that stalls is what PBT's exploit step replaces.
"""
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..checkpoints import load_object

__all__ = ["setup_torch", "activation", "dense_stack", "make_optimizer", "int_list",
           "EarlyStopping", "load_initial_weights", "pbt_segment", "fit", "FitResult", "summary"]

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU}
OPTIMIZERS = ("sgd", "adam", "rmsprop")


def setup_torch(params):
    """One intra-op thread (many workers share few cores) and the device to use.

    ``cuda`` when available: the site gives each worker one GPU through
    CUDA_VISIBLE_DEVICES, so "cuda" is always that worker's own device.
    ``params["device"]`` overrides, ``params["num_threads"]`` raises the thread count.
    """
    torch.set_num_threads(int(params.get("num_threads") or 1))
    name = params.get("device") or ("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def activation(name):
    """A fresh activation module by name (relu, tanh, sigmoid, elu)."""
    try:
        return ACTIVATIONS[str(name).lower()]()
    except KeyError:
        raise ValueError(f"activation {name!r} is not one of {', '.join(ACTIVATIONS)}") from None


def int_list(value):
    """Layer sizes as a list: ``[64, 32]``, ``64`` or ``"64,32"`` all work; None -> []."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [int(v) for v in value.replace("[", "").replace("]", "").split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(value)]


def dense_stack(in_dim, sizes, act, dropout):
    """Linear -> activation -> dropout per size; returns ``(module, out_dim)``."""
    layers = []
    for size in sizes:
        layers.append(nn.Linear(in_dim, size))
        layers.append(activation(act))
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        in_dim = size
    return nn.Sequential(*layers), in_dim


def make_optimizer(name, parameters, learning_rate):
    """sgd (momentum 0.9), adam or rmsprop."""
    name = str(name).lower()
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=learning_rate, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=learning_rate)
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=learning_rate)
    raise ValueError(f"optimizer {name!r} is not one of {', '.join(OPTIMIZERS)}")


class EarlyStopping:
    """Stop after ``patience`` epochs without a val_loss improvement (0 disables)."""

    def __init__(self, patience, min_delta=0.0):
        self.patience = int(patience or 0)
        self.min_delta = float(min_delta)
        self.best = float("inf")
        self.best_epoch = 0
        self.bad_epochs = 0

    def update(self, epoch, value):
        """Record epoch ``epoch``'s val_loss; returns True when training should stop."""
        if value < self.best - self.min_delta:  # False for NaN: a NaN epoch is a bad epoch
            self.best, self.best_epoch, self.bad_epochs = float(value), epoch, 0
        else:
            self.bad_epochs += 1
        return self.stop

    @property
    def stop(self):
        return self.patience > 0 and self.bad_epochs >= self.patience

    def state_dict(self):
        return {"best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state):
        self.best = state["best"]
        self.best_epoch = state["best_epoch"]
        self.bad_epochs = state["bad_epochs"]


def rng_state(shuffle):
    """Every generator a training epoch draws from."""
    state = {"torch": torch.get_rng_state(), "shuffle": shuffle.get_state(),
             "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state, shuffle):
    torch.set_rng_state(state["torch"])
    shuffle.set_state(state["shuffle"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def load_initial_weights(model, weights):
    """Start ``model`` from a parent's weights: a path, a state dict, a module, or one of
    our checkpoints. Returns True when weights were loaded."""
    if weights is None:
        return False
    if isinstance(weights, (str, os.PathLike)):
        if not os.path.exists(weights):
            raise FileNotFoundError(f"initial weights not found: {os.fspath(weights)}")
        weights = load_object(weights)
    if callable(getattr(weights, "state_dict", None)):
        weights = weights.state_dict()
    if isinstance(weights, Mapping) and isinstance(weights.get("state"), Mapping):
        weights = weights["state"]  # a checkpoint file: {"epoch": n, "state": {...}}
    if isinstance(weights, Mapping) and isinstance(weights.get("model"), Mapping):
        weights = weights["model"]
    model.load_state_dict(weights)
    return True


def pbt_segment(params):
    """``(start_epoch, end_epoch)`` when ``params`` are a PBT segment's (``_start_epoch`` and
    ``_end_epoch``, set by ``optimizer: {name: pbt}``), else None."""
    if params.get("_start_epoch") is None or params.get("_end_epoch") is None:
        return None
    start, end = int(params["_start_epoch"]), int(params["_end_epoch"])
    if not 0 <= start < end:
        raise ValueError(f"a PBT segment needs 0 <= _start_epoch < _end_epoch, got {start} and {end}")
    return start, end


@dataclass
class FitResult:
    """What :func:`fit` did: the full history (across resumes) and how it ended."""

    history: dict = field(default_factory=dict)
    stopper: EarlyStopping = None
    epochs_run: int = 0
    start_epoch: int = 0
    resumed_from: int = 0
    interrupted: bool = False
    initial_weights: bool = False
    steps_per_epoch: int = 0


def _train_epoch(model, optimizer, loss_fn, tensors, batch_size, shuffle):
    model.train()
    n = len(tensors[-1])
    order = torch.randperm(n, generator=shuffle).to(tensors[-1].device)
    total = 0.0
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        *inputs, target = (t[idx] for t in tensors)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(*inputs), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / n


def _evaluate(model, loss_fn, tensors, metrics):
    model.eval()
    with torch.no_grad():
        *inputs, target = tensors
        pred = model(*inputs)
        out = {"val_loss": loss_fn(pred, target).item()}
        if metrics is not None:
            out.update(metrics(pred, target))
    return out


def fit(ctx, model, optimizer, loss_fn, train, val, *, epochs, batch_size, patience, seed,
        metrics=None, checkpoint_every=1):
    """Train ``model`` up to epoch ``epochs``, reporting and checkpointing each epoch.

    ``train``/``val`` are tuples of tensors on the model's device, inputs first and
    the target last. Resumes from ``ctx``'s newest checkpoint when there is one;
    otherwise starts from ``ctx.initial_weights`` when given. In a PBT segment
    (:func:`pbt_segment` of ``ctx.params``) the epochs are ``_start_epoch``+1 ..
    ``_end_epoch`` instead of 1 .. ``epochs``, and ``patience`` is not used (module
    docstring). Returns a FitResult.
    """
    segment = pbt_segment(ctx.params)
    start = 0
    if segment is not None:
        (start, epochs), patience = segment, 0
    shuffle = torch.Generator().manual_seed(int(seed) + start)  # a segment shuffles its own epochs
    stopper = EarlyStopping(patience)
    outcome = FitResult(stopper=stopper, start_epoch=start)
    history = outcome.history
    resumed = ctx.load_checkpoint()
    if resumed is not None:
        outcome.resumed_from, state = resumed
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        stopper.load_state_dict(state["early_stopping"])
        history.update(state["history"])
        restore_rng_state(state["rng"], shuffle)
    else:
        outcome.initial_weights = load_initial_weights(model, ctx.initial_weights)
    epoch = saved = outcome.resumed_from if resumed is not None else start

    def save_checkpoint():
        ctx.save_checkpoint(epoch, {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "early_stopping": stopper.state_dict(), "history": history,
            "rng": rng_state(shuffle)})
        return epoch

    outcome.steps_per_epoch = -(-len(train[-1]) // int(batch_size))
    while epoch < epochs and not stopper.stop:
        # Asked before each epoch, not right after the last one's report: a pruner's stop comes back from
        # rank 0 a moment after the report it judged, and would otherwise cost one more epoch. After the
        # last epoch nobody asks: a complete training is done, whatever stop comes late.
        if ctx.should_stop():
            outcome.interrupted = True
            if checkpoint_every and saved != epoch:
                saved = save_checkpoint()
            break
        epoch += 1
        row = {"loss": _train_epoch(model, optimizer, loss_fn, train, batch_size, shuffle)}
        row.update(_evaluate(model, loss_fn, val, metrics))
        for key, value in {"epoch": epoch, **row}.items():
            history.setdefault(key, []).append(value)
        ctx.report(epoch, **row)
        stopper.update(epoch, row["val_loss"])
        if checkpoint_every and (epoch % checkpoint_every == 0 or epoch == epochs or stopper.stop):
            saved = save_checkpoint()
    outcome.epochs_run = epoch
    return outcome


def summary(outcome):
    """The result dict the examples return: last-epoch metrics, best epoch, history."""
    history = outcome.history
    result = {key: values[-1] for key, values in history.items() if key != "epoch" and values}
    result.update({
        "epochs_run": outcome.epochs_run,
        # optimizer steps, all epochs of this training (of this segment, for a PBT segment)
        "steps": (outcome.epochs_run - outcome.start_epoch) * outcome.steps_per_epoch,
        "best_val_loss": outcome.stopper.best if history else None,
        "best_epoch": outcome.stopper.best_epoch,
        "stopped_early": outcome.stopper.stop,
        "resumed_from_epoch": outcome.resumed_from,
        "from_initial_weights": outcome.initial_weights,
        "history": history,
    })
    return result
