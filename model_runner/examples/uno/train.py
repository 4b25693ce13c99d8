"""``run(params, ctx)`` of the Uno example: data, network, training, result."""
import os
import time

import numpy as np
import torch
from torch import nn

from ..torch_training import fit, int_list, make_optimizer, setup_torch, summary
from .data import generate, train_val_split
from .model import UnoModel

__all__ = ["run", "DEFAULT_PARAMS_FILE", "load_data"]

DEFAULT_PARAMS_FILE = "uno_default_model.txt"


def load_data(params):
    """The (possibly cell-restricted) data set and its fixed train/validation rows.

    With ``val_cells`` the split is by cell (sublearning): training rows are those of
    ``cells`` (default: every other cell), validation rows those of ``val_cells``.
    """
    data = generate(n_cells=int(params.get("n_cells", 60)), n_drugs=int(params.get("n_drugs", 40)),
                    n_rows=int(params.get("n_rows", 4000)),
                    seed=int(params.get("data_seed", 2018)),
                    noise=float(params.get("noise", 0.05)),
                    corrupt_cells=tuple(params.get("corrupt_cells") or ()),
                    corrupt_fraction=float(params.get("corrupt_fraction") or 0.0))
    if params.get("val_cells") is not None:
        return _split_by_cell(data, params.get("cells"), params["val_cells"])
    if params.get("cells") is not None:
        data = data.for_cells(params["cells"])
        if len(data) < 2:
            raise ValueError(f"cells {params['cells']} select {len(data)} rows; need at least 2")
    train, val = train_val_split(len(data), params.get("val_split", 0.2),
                                 params.get("data_seed", 2018))
    return data, train, val


def _split_by_cell(data, cells, val_cells):
    val_set = {int(c) for c in val_cells}
    train_set = ({int(c) for c in cells} if cells is not None
                 else set(range(data.n_cells)) - val_set)
    shared = sorted(train_set & val_set)
    if shared:
        raise ValueError(f"cells and val_cells share {shared[:10]}: a validation cell must not be "
                         "trained on")
    data = data.for_cells(sorted(train_set | val_set))
    train = np.flatnonzero(np.isin(data.cell, sorted(train_set)))
    val = np.flatnonzero(np.isin(data.cell, sorted(val_set)))
    if len(train) < 1 or len(val) < 1:
        raise ValueError(f"cells select {len(train)} training and val_cells {len(val)} validation "
                         "rows; need at least 1 each")
    return data, train, val


def _perturb_training(train, params, seed):
    """UQ perturbations of the training set: a ``train_subsample`` fraction of its rows and
    Gaussian ``label_noise`` on its targets, both drawn from the model seed."""
    fraction = float(params.get("train_subsample") or 1.0)
    if 0 < fraction < 1:
        n = len(train[-1])
        keep = np.sort(np.random.RandomState(seed + 5).choice(n, max(1, round(fraction * n)),
                                                                replace=False))
        index = torch.from_numpy(keep).to(train[-1].device)
        train = tuple(t[index] for t in train)
    noise = float(params.get("label_noise") or 0.0)
    if noise > 0:
        target = train[-1]
        draw = np.random.RandomState(seed + 7).normal(scale=noise, size=tuple(target.shape))
        train = train[:-1] + (target + torch.from_numpy(draw.astype(np.float32)).to(target.device),)
    return train


def _predict(model, tensors, passes, seed):
    """Predictions on ``tensors``' inputs; with ``passes`` > 0 the mean of that many passes
    with dropout left on (Monte Carlo dropout: dropout at inference)."""
    *inputs, _ = tensors
    with torch.no_grad():
        if passes <= 0:
            model.eval()
            return model(*inputs)[:, 0]
        model.train()
        torch.manual_seed(seed + 11)
        out = torch.stack([model(*inputs)[:, 0] for _ in range(passes)]).mean(dim=0)
        model.eval()
        return out


def _tensors(data, index, device):
    """Inputs (expression, descriptors, fingerprints, scaled dose) and the target."""
    cell, drug = data.cell[index], data.drug[index]
    columns = (data.cell_expression[cell], data.drug_descriptors[drug],
               data.drug_fingerprints[drug], ((data.dose[index] + 5.0) / 2.0)[:, None],
               data.response[index][:, None])
    return tuple(torch.from_numpy(np.ascontiguousarray(c, dtype=np.float32)).to(device)
                 for c in columns)


def _regression_metrics(pred, target):
    error = pred - target
    total = ((target - target.mean()) ** 2).sum().item()
    return {"val_mae": error.abs().mean().item(),
            "val_r2": 1.0 - (error ** 2).sum().item() / total if total > 0 else 0.0}


def run(params, ctx):
    """Train the Uno regressor; returns val_loss (MSE) and friends plus the history.

    As a PBT segment (params ``_start_epoch``, ``_end_epoch``) it trains epochs ``_start_epoch``+1 ..
    ``_end_epoch`` (not ``epochs``) from ``ctx.initial_weights`` with the segment's learning_rate,
    dropout and batch_size on a fresh optimizer, reports them with those epoch numbers, ignores
    ``patience`` (a segment always reaches its end epoch, so members are ranked at equal epochs and
    the next segment starts where this one ended; PBT's exploit replaces a stalled member) and saves
    its weights for the next segment. The architecture must be the same in every segment of a
    member (the weights must fit), so a PBT space leaves it out.
    """
    device = setup_torch(params)
    data, train_rows, val_rows = load_data(params)
    seed = int(params.get("seed", 2018))
    train = _perturb_training(_tensors(data, train_rows, device), params, seed)
    val = _tensors(data, val_rows, device)
    torch.manual_seed(seed)
    feature_dims = {"cell_expression": data.cell_expression.shape[1],
                    "drug_descriptors": data.drug_descriptors.shape[1],
                    "drug_fingerprints": data.drug_fingerprints.shape[1]}
    model = UnoModel(feature_dims, int_list(params.get("dense_feature_layers", [32, 16])),
                     int_list(params.get("dense", [64, 32])), params.get("activation", "relu"),
                     float(params.get("dropout", 0.0))).to(device)
    optimizer = make_optimizer(params.get("optimizer", "adam"), model.parameters(),
                               float(params.get("learning_rate", 0.001)))
    outcome = fit(ctx, model, optimizer, nn.MSELoss(), train, val,
                  epochs=int(params.get("epochs", 10)),
                  batch_size=int(params.get("batch_size", 64)),
                  patience=int(params.get("patience", 0) or 0), seed=seed,
                  metrics=_regression_metrics,
                  checkpoint_every=int(params.get("checkpoint_every", 1) or 0))
    if params.get("save_weights", True) and not outcome.interrupted:
        ctx.save_weights(model)
    result = summary(outcome)
    result.update({"n_train": len(train[-1]), "n_val": len(val_rows),
                   "n_cells": int(len(np.unique(data.cell))), "device": str(device),
                   # The GPU this task trained on, as the supervisor bound it (site/gpu_binding.hpp).
                   "visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES", "")})
    # Inference speed, MENNDL's second objective: seconds per 1,000 predictions on the validation set.
    started = time.perf_counter()
    _predict(model, val, 0, seed)
    result["predict_time"] = (time.perf_counter() - started) * 1000.0 / max(1, len(val_rows))
    passes = int(params.get("mc_dropout") or 0)
    if (params.get("save_predictions") or passes > 0) and not outcome.interrupted:
        pred = _predict(model, val, passes, seed)
        if passes > 0:
            result["val_loss_mc"] = nn.functional.mse_loss(pred, val[-1][:, 0]).item()
        path = os.path.join(ctx.task_dir, "predictions.npz")
        np.savez(path, row=val_rows, cell=data.cell[val_rows], pred=pred.cpu().numpy(),
                 target=val[-1][:, 0].cpu().numpy())
        result["predictions"] = path
    return result
