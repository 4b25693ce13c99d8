"""Tumor classifier example: an MLP on the Wisconsin breast-cancer data (scikit-learn).

Entry ``model_runner.examples.tumor_classifier:run``; defaults in ``tumor_default_model.txt``.
"""
from .train import DEFAULT_PARAMS_FILE, TumorMLP, run

__all__ = ["run", "DEFAULT_PARAMS_FILE", "TumorMLP"]
