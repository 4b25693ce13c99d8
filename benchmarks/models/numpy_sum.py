"""A small NumPy task for the interpreter-residency row of benchmarks/run_all: sums an array. NumPy is
imported once per resident interpreter (at the first task), or once per task in a fresh python3."""
import numpy as np


def run(params):
    return {"val_loss": float(np.arange(1000).sum())}
