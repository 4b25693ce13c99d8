"""Random and grid search: the baselines, and the only optimizers that need no model of results."""
import hashlib
import itertools
import random

from ..config import ConfigError
from ..optimizer import Optimizer


def rng_digest(rng):
    """A short fingerprint of a random.Random's state, for Optimizer.state()."""
    return hashlib.sha1(repr(rng.getstate()).encode()).hexdigest()[:16]


class RandomSearch(Optimizer):
    """Independent uniform draws (log-uniform where log is set); results are not used."""

    name = "random"

    def __init__(self, space, **kwargs):
        super().__init__(space, **kwargs)
        self.rng = random.Random(self.seed)

    def _ask(self, n):
        return [self.space.sample(self.rng) for _ in range(n)]

    def _tell(self, params, value, ok):
        pass

    def _state(self):
        return {"rng": rng_digest(self.rng)}


class GridSearch(Optimizer):
    """The cartesian product of every parameter's levels, first parameter varying slowest (as the
    sweep workflow's grid). Floats and ints get ``levels`` evenly spaced values, endpoints
    included (geometric with log: true); ``levels`` is one number or a mapping name -> number.
    Categorical and ordinal parameters contribute all their values. ``shuffle: true`` visits the
    grid in a seeded random order, so a budget smaller than the grid still spreads over it.
    Finite: once every point has been proposed the optimizer is exhausted and the search ends."""

    name = "grid"
    OPTIONS = {"levels": 5, "shuffle": False}

    def __init__(self, space, **kwargs):
        super().__init__(space, **kwargs)
        levels = self.options["levels"]
        axes = []
        for p in space:
            n = levels.get(p.name, 5) if isinstance(levels, dict) else levels
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ConfigError(f"optimizer.options.levels: expected an integer >= 1 "
                                  f"for {p.name}, got {n!r}")
            axes.append(p.grid(n))
        self.axes = axes
        self.size = 1
        for axis in axes:
            self.size *= len(axis)
        combos = itertools.product(*axes)
        if self.options["shuffle"]:
            combos = list(combos)
            random.Random(self.seed).shuffle(combos)
            combos = iter(combos)
        self._combos = combos
        self._done = False

    @property
    def exhausted(self):
        return self._done or self.asked >= self.size

    def _ask(self, n):
        out = []
        for combo in itertools.islice(self._combos, n):
            out.append(dict(zip(self.space.names, combo)))
        if len(out) < n:
            self._done = True
        return out

    def _tell(self, params, value, ok):
        pass

    def _state(self):
        return {"position": self.asked, "size": self.size}
