"""The Uno network: one encoding tower per feature type, then a dense regressor.

As in CANDLE's Uno, each input type (cell expression, drug descriptors, drug
fingerprints) gets its own stack of ``dense_feature_layers``; the encodings are
concatenated with the dose and fed through ``dense`` layers to one output.
"""
import torch
from torch import nn

from ..torch_training import dense_stack

__all__ = ["UnoModel"]


class UnoModel(nn.Module):
    """``forward(expression, descriptors, fingerprints, dose) -> growth`` (shape [n, 1])."""

    def __init__(self, feature_dims, feature_layers, dense, activation, dropout):
        super().__init__()
        towers = {}
        encoded = 0
        for name, dim in feature_dims.items():
            towers[name], out_dim = dense_stack(dim, feature_layers, activation, dropout)
            encoded += out_dim
        self.towers = nn.ModuleDict(towers)
        self.body, body_dim = dense_stack(encoded + 1, dense, activation, dropout)
        self.head = nn.Linear(body_dim, 1)

    def forward(self, expression, descriptors, fingerprints, dose):
        parts = [self.towers["cell_expression"](expression),
                 self.towers["drug_descriptors"](descriptors),
                 self.towers["drug_fingerprints"](fingerprints),
                 dose]
        return self.head(self.body(torch.cat(parts, dim=1)))
