"""Synthetic drug-response data with the shape of CANDLE Uno's inputs.

Rows are (cell line, drug, dose) -> growth. Cells carry an expression profile,
drugs a descriptor vector and a binary fingerprint; all three are noisy views of
small latent vectors, and the response is a Hill-type dose curve whose IC50 and
slope depend on those latents. So the towers have something real to learn, and
nothing is downloaded: the same seed gives the same data on every machine.

Generated on first use and cached per process (tasks in a resident worker share
it). ``cell`` is the key column sublearning splits by; ``corrupt_*`` scramble the
labels of some cells, giving outlier-detection tests a known answer.
"""
import functools
from dataclasses import dataclass

import numpy as np

__all__ = ["UnoData", "generate", "split_cells", "train_val_split",
           "CELL_FEATURES", "DRUG_DESCRIPTORS", "FINGERPRINT_BITS"]

CELL_FEATURES = 32      # expression "genes" per cell line
DRUG_DESCRIPTORS = 24   # continuous descriptors per drug
FINGERPRINT_BITS = 32   # binary fingerprint bits per drug
LATENT = 4
DOSE_RANGE = (-7.0, -3.0)  # log10 molar


@dataclass(frozen=True)
class UnoData:
    """Row columns (``cell``, ``drug``, ``dose``, ``response``, ``corrupted``) and the
    per-entity feature tables they index (``cell_expression[cell]`` and so on)."""

    cell: np.ndarray
    drug: np.ndarray
    dose: np.ndarray
    response: np.ndarray
    corrupted: np.ndarray
    cell_expression: np.ndarray
    drug_descriptors: np.ndarray
    drug_fingerprints: np.ndarray
    corrupt_cells: tuple

    def __len__(self):
        return len(self.response)

    def rows(self, index):
        """The same data restricted to some rows (an index array or a boolean mask)."""
        return UnoData(self.cell[index], self.drug[index], self.dose[index],
                       self.response[index], self.corrupted[index], self.cell_expression,
                       self.drug_descriptors, self.drug_fingerprints, self.corrupt_cells)

    def for_cells(self, cells):
        """Only the rows of the given cell ids (a sublearning child's share)."""
        return self.rows(np.isin(self.cell, np.asarray(list(cells), dtype=np.int64)))

    @property
    def n_cells(self):
        return len(self.cell_expression)


def generate(n_cells=60, n_drugs=40, n_rows=4000, seed=2018, noise=0.05,
             corrupt_cells=(), corrupt_fraction=0.0):
    """The data set for these settings (cached: the arrays are shared and read-only).

    ``corrupt_cells`` (ids) and/or ``corrupt_fraction`` (of all cells, chosen by a
    generator of its own so the clean rows do not change) name cells whose
    responses are shuffled among their own rows. Everything else is identical
    to the clean data set of the same seed.
    """
    chosen = set(int(c) for c in (corrupt_cells or ()))
    if corrupt_fraction:
        count = int(round(float(corrupt_fraction) * n_cells))
        picker = np.random.RandomState(int(seed) + 1)
        chosen.update(int(c) for c in picker.choice(n_cells, size=count, replace=False))
    bad = [c for c in chosen if not 0 <= c < n_cells]
    if bad:
        raise ValueError(f"corrupt cell ids {bad} outside 0..{n_cells - 1}")
    return _generate(int(n_cells), int(n_drugs), int(n_rows), int(seed), float(noise),
                     tuple(sorted(chosen)))


@functools.lru_cache(maxsize=8)
def _generate(n_cells, n_drugs, n_rows, seed, noise, corrupt):
    rng = np.random.RandomState(seed)
    cell_latent = rng.normal(size=(n_cells, LATENT))
    drug_latent = rng.normal(size=(n_drugs, LATENT))
    expression = cell_latent @ rng.normal(size=(LATENT, CELL_FEATURES)) / np.sqrt(LATENT)
    expression += 0.1 * rng.normal(size=expression.shape)
    descriptors = drug_latent @ rng.normal(size=(LATENT, DRUG_DESCRIPTORS)) / np.sqrt(LATENT)
    descriptors += 0.1 * rng.normal(size=descriptors.shape)
    bits = drug_latent @ rng.normal(size=(LATENT, FINGERPRINT_BITS))
    fingerprints = (bits + 0.5 * rng.normal(size=bits.shape) > 0).astype(np.float32)

    cell = rng.randint(n_cells, size=n_rows).astype(np.int64)
    drug = rng.randint(n_drugs, size=n_rows).astype(np.int64)
    dose = rng.uniform(*DOSE_RANGE, size=n_rows)
    u, v = cell_latent[cell], drug_latent[drug]
    ic50 = -5.0 + 0.8 * np.tanh((u * v).sum(axis=1) / 2.0) + 0.3 * u[:, 0] - 0.3 * v[:, 1]
    slope = 1.0 + 0.5 / (1.0 + np.exp(-v[:, 2]))
    growth = 1.0 / (1.0 + 10.0 ** (slope * (dose - ic50)))
    response = growth + noise * rng.normal(size=n_rows)

    corrupted = np.isin(cell, np.asarray(corrupt, dtype=np.int64))
    if corrupted.any():
        response[corrupted] = np.random.RandomState(seed + 2).permutation(response[corrupted])
    arrays = dict(cell=cell, drug=drug, dose=dose.astype(np.float32),
                  response=response.astype(np.float32), corrupted=corrupted,
                  cell_expression=expression.astype(np.float32),
                  drug_descriptors=descriptors.astype(np.float32),
                  drug_fingerprints=fingerprints)
    for array in arrays.values():
        array.setflags(write=False)
    return UnoData(corrupt_cells=corrupt, **arrays)


def split_cells(n_cells, parts, seed=0):
    """Cell ids shuffled by ``seed`` and cut into ``parts`` near-equal groups (sorted
    lists), for sublearning children that each train on their own cells."""
    order = np.random.RandomState(seed).permutation(n_cells)
    return [sorted(int(c) for c in group) for group in np.array_split(order, parts)]


def train_val_split(n_rows, val_fraction, seed):
    """Row indices ``(train, val)``, fixed by the data seed (not the model seed) so that
    every trial of a search is scored on the same validation rows."""
    order = np.random.RandomState(int(seed) + 3).permutation(n_rows)
    n_val = max(1, int(round(float(val_fraction) * n_rows)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])
