"""``run(params, ctx)`` of the tumor classifier: an MLP giving the malignant logit."""
import numpy as np
import torch
from torch import nn

from ..torch_training import dense_stack, fit, int_list, make_optimizer, setup_torch, summary
from .data import load

__all__ = ["run", "DEFAULT_PARAMS_FILE", "TumorMLP"]

DEFAULT_PARAMS_FILE = "tumor_default_model.txt"


class TumorMLP(nn.Module):
    """Dense layers then one logit (BCE-with-logits loss: stable for saturated outputs)."""

    def __init__(self, in_dim, dense, activation, dropout):
        super().__init__()
        self.body, out_dim = dense_stack(in_dim, dense, activation, dropout)
        self.head = nn.Linear(out_dim, 1)

    def forward(self, x):
        return self.head(self.body(x))


def _accuracy(logits, target):
    return {"val_acc": ((logits > 0).float() == target).float().mean().item()}


def run(params, ctx):
    """Train the classifier; reports loss, val_loss and val_acc per epoch."""
    device = setup_torch(params)
    x_train, y_train, x_val, y_val = load(int(params.get("data_seed", 0)),
                                          float(params.get("val_split", 0.2)))

    def tensors(*arrays):
        return tuple(torch.from_numpy(np.array(a, dtype=np.float32)).to(device)
                     for a in arrays)

    train = tensors(x_train, y_train[:, None])
    val = tensors(x_val, y_val[:, None])
    seed = int(params.get("seed", 0))
    torch.manual_seed(seed)
    model = TumorMLP(x_train.shape[1], int_list(params.get("dense", [32, 16])),
                     params.get("activation", "relu"),
                     float(params.get("dropout", 0.0))).to(device)
    optimizer = make_optimizer(params.get("optimizer", "adam"), model.parameters(),
                               float(params.get("learning_rate", 0.001)))
    outcome = fit(ctx, model, optimizer, nn.BCEWithLogitsLoss(), train, val,
                  epochs=int(params.get("epochs", 20)),
                  batch_size=int(params.get("batch_size", 32)),
                  patience=int(params.get("patience", 0) or 0), seed=seed, metrics=_accuracy,
                  checkpoint_every=int(params.get("checkpoint_every", 1) or 0))
    if params.get("save_weights", True) and not outcome.interrupted:
        ctx.save_weights(model)
    result = summary(outcome)
    result.update({"n_train": len(y_train), "n_val": len(y_val), "device": str(device)})
    return result
