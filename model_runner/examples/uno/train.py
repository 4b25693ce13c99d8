"""``run(params, ctx)`` of the Uno example: data, network, training, result."""
import numpy as np
import torch
from torch import nn

from ..torch_training import fit, int_list, make_optimizer, setup_torch, summary
from .data import generate, train_val_split
from .model import UnoModel

__all__ = ["run", "DEFAULT_PARAMS_FILE", "load_data"]

DEFAULT_PARAMS_FILE = "uno_default_model.txt"


def load_data(params):
    """The (possibly cell-restricted) data set and its fixed train/validation rows."""
    data = generate(n_cells=int(params.get("n_cells", 60)), n_drugs=int(params.get("n_drugs", 40)),
                    n_rows=int(params.get("n_rows", 4000)),
                    seed=int(params.get("data_seed", 2018)),
                    noise=float(params.get("noise", 0.05)),
                    corrupt_cells=tuple(params.get("corrupt_cells") or ()),
                    corrupt_fraction=float(params.get("corrupt_fraction") or 0.0))
    if params.get("cells") is not None:
        data = data.for_cells(params["cells"])
        if len(data) < 2:
            raise ValueError(f"cells {params['cells']} select {len(data)} rows; need at least 2")
    train, val = train_val_split(len(data), params.get("val_split", 0.2),
                                 params.get("data_seed", 2018))
    return data, train, val


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
    """Train the Uno regressor; returns val_loss (MSE) and friends plus the history."""
    device = setup_torch(params)
    data, train_rows, val_rows = load_data(params)
    train = _tensors(data, train_rows, device)
    val = _tensors(data, val_rows, device)
    seed = int(params.get("seed", 2018))
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
    result.update({"n_train": len(train_rows), "n_val": len(val_rows),
                   "n_cells": int(len(np.unique(data.cell))), "device": str(device)})
    return result
