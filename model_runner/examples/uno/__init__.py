"""Uno example: a CANDLE Uno-shaped drug-response regressor on synthetic data.

Entry ``model_runner.examples.uno:run``; defaults in ``uno_default_model.txt``;
the data generator (``generate``, ``split_cells``) is public for workflows and tests.
"""
from .data import UnoData, generate, split_cells, train_val_split
from .train import DEFAULT_PARAMS_FILE, load_data, run

__all__ = ["run", "DEFAULT_PARAMS_FILE", "UnoData", "generate", "split_cells",
           "train_val_split", "load_data"]
