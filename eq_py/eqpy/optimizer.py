"""The typed ask/tell interface every Python optimizer implements, and the registry by name.

Why ask/tell: the driver, not the optimizer, owns the conversation with the engine, so streaming
and batch modes, budgets, failure policies and restart replay are written once. An optimizer only
proposes points and learns from results, in whatever order they arrive.

Determinism contract (what makes restart work): an optimizer built with the same space, seed and
options, given the same sequence of ask/tell calls, proposes the same points. Restart therefore
replays the recorded results through the same calls (see driver.py) instead of pickling state.
"""
import importlib
import math

from .config import ConfigError


class Optimizer:
    """Base class. Subclasses implement ``_ask`` and ``_tell``, and list their options (with
    defaults) in OPTIONS."""

    name = ""
    OPTIONS = {}  # option -> default; unknown options are errors, as unknown YAML keys are

    def __init__(self, space, seed=0, options=None, batch=0, n_objectives=1):
        self.space = space
        self.seed = int(seed)
        self.batch = int(batch)
        self.n_objectives = int(n_objectives)
        options = dict(options or {})
        unknown = sorted(set(options) - set(self.OPTIONS))
        if unknown:
            raise ConfigError(f"optimizer.options: unknown for {self.name}: {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(self.OPTIONS)) or 'none'})",
                              key=f"optimizer.options.{unknown[0]}")
        self.options = {**self.OPTIONS, **options}
        self.asked = 0
        self.told = 0
        self._best = None  # (value, params) of the best successful tell

    @property
    def streaming(self):
        return self.batch == 0

    @property
    def exhausted(self):
        """True once the optimizer will never propose another point (grid). An empty ask() from
        an optimizer that is not exhausted only means "not now" (a generation still out)."""
        return False

    def ask(self, n):
        """Proposes up to n new points (dicts name -> value, each a valid point of the space)."""
        if n <= 0:
            return []
        points = self._ask(int(n))
        self.asked += len(points)
        return points

    def tell(self, params, value, ok=True):
        """Observes one result as soon as it arrives.

        value: a float in minimization sense (a list of floats, one per objective, for multi-
        objective optimizers); with ok False it is a penalty to learn from, or None for a failure
        to learn nothing from (the point is still done)."""
        self.told += 1
        if ok and value is not None:
            key = value if isinstance(value, (int, float)) else value[0]
            if math.isfinite(key) and (self._best is None or key < self._best[0]):
                self._best = (key, params)
        self._tell(params, value, ok)

    def tell_pruned(self, params, value, steps):
        """Observes a trial a pruner stopped early. ``value``: the value it reached (minimization
        sense), ``steps``: its reported epochs as (epoch, value) pairs, same sense. By default the
        optimizer learns the value reached, as for any result; Optuna's optimizers override
        ``_tell_pruned`` to add a pruned trial with its intermediate values."""
        self.told += 1
        self._tell_pruned(params, value, steps)

    def best(self):
        """(params, value) of the best successful result told so far, or None."""
        return None if self._best is None else (self._best[1], self._best[0])

    def state(self):
        """A JSON-able fingerprint of the optimizer's state: equal states propose equal points.
        Restart tests compare it; the host logs it."""
        return {"name": self.name, "asked": self.asked, "told": self.told, **self._state()}

    # ---- for subclasses ---------------------------------------------------------------------

    def _ask(self, n):
        raise NotImplementedError

    def _tell(self, params, value, ok):
        raise NotImplementedError

    def _tell_pruned(self, params, value, steps):
        self.told -= 1  # tell() counts it again
        self.tell(params, value, True)

    def _state(self):
        return {}


_REGISTRY = {
    "random": ("eqpy.optimizers.basic", "RandomSearch"),
    "grid": ("eqpy.optimizers.basic", "GridSearch"),
    "ga": ("eqpy.optimizers.ga", "GeneticAlgorithm"),
    "tpe": ("eqpy.optimizers.optuna_based", "TPE"),
    "nsga2": ("eqpy.optimizers.optuna_based", "NSGA2"),
}


def available():
    return sorted(_REGISTRY)


def make_optimizer(name, space, seed=0, options=None, batch=0, n_objectives=1):
    """Builds the optimizer called ``name``; imports its module only now (optuna is slow to
    import)."""
    if name not in _REGISTRY:
        raise ConfigError(f"optimizer.name: unknown {name!r} ({', '.join(available())})")
    module, cls = _REGISTRY[name]
    return getattr(importlib.import_module(module), cls)(
        space, seed=seed, options=options, batch=batch, n_objectives=n_objectives)
