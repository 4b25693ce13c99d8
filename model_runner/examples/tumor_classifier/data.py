"""The Wisconsin diagnostic breast-cancer data (569 tumors x 30 features, malignant or
benign), as shipped inside scikit-learn: real data with no download.

Split by ``data_seed`` (stratified, so both parts keep the class balance) and
standardized with the training part's statistics only. Cached per process.
"""
import functools

import numpy as np

__all__ = ["load"]


@functools.lru_cache(maxsize=4)
def load(data_seed=0, val_split=0.2):
    """``(x_train, y_train, x_val, y_val)`` as float32 arrays; y is 1 for malignant."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    x = bunch.data.astype(np.float64)
    y = (bunch.target == 0).astype(np.float32)  # sklearn: 0 = malignant
    rng = np.random.RandomState(int(data_seed))
    val = []
    for label in (0.0, 1.0):
        members = np.flatnonzero(y == label)
        rng.shuffle(members)
        val.extend(members[:int(round(float(val_split) * len(members)))])
    is_val = np.zeros(len(y), dtype=bool)
    is_val[val] = True
    mean = x[~is_val].mean(axis=0)
    std = x[~is_val].std(axis=0) + 1e-8
    x = ((x - mean) / std).astype(np.float32)
    out = (x[~is_val], y[~is_val], x[is_val], y[is_val])
    for array in out:
        array.setflags(write=False)
    return out
