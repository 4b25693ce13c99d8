"""Genetic algorithm on DEAP, in two modes.

``generational`` (the CANDLE GA workflow, DEAP's eaSimple): a population is evaluated, then the
next generation is bred from it by tournament selection, crossover and mutation; only changed
individuals are evaluated again. Pairs with batch mode; default when ``batch`` > 0.

``steady_state`` (MENNDL-style asynchronous evolution): after an initial random population, a new
child is bred from the current population whenever a worker is free, and each result is inserted
at once, the worst individual dropping out. No worker ever waits for a generation to finish, which
is why it is the default when streaming.

Individuals are vectors in [0, 1]^d that the space decodes (space.py), so every parameter type is
honoured: simulated binary crossover and polynomial mutation move ordered genes (floats, ints,
ordinals) to nearby values; categorical genes are swapped whole by crossover and redrawn by
mutation, since "near" means nothing for them. DEAP's operators draw from the global ``random``
module; every call runs inside ``_seeded()``, which swaps in this optimizer's own generator, so
runs are reproducible and other code's use of ``random`` neither disturbs nor is disturbed by them.
"""
import collections
import contextlib
import random

from deap import base, tools

from ..config import ConfigError
from ..optimizer import Optimizer
from .basic import rng_digest


class _Fitness(base.Fitness):
    weights = (-1.0,)  # values are in minimization sense


class _Individual(list):
    """A gene vector with a DEAP fitness (what DEAP's selection operators expect)."""

    def __init__(self, genes):
        super().__init__(genes)
        self.fitness = _Fitness()

    def clone(self):
        other = _Individual(self)
        if self.fitness.valid:
            other.fitness.values = self.fitness.values
        return other


def _value(ind):
    return ind.fitness.values[0]


class GeneticAlgorithm(Optimizer):
    """``options``: mode, population, cxpb, mutpb, indpb, tournsize, eta_cx, eta_mut, elitism."""

    name = "ga"
    OPTIONS = {
        "mode": None,         # steady_state | generational; None: by batch (see module docstring)
        "population": None,   # None: the batch size in batch mode, else 10
        "cxpb": 0.9,          # probability that a pair of parents is crossed
        "mutpb": 1.0,         # probability that a child is mutated
        "indpb": None,        # per-gene mutation probability; None: 1 / number of parameters
        "tournsize": 2,
        "eta_cx": 10.0,       # SBX crowding: larger keeps children closer to their parents
        "eta_mut": 15.0,      # polynomial mutation: larger makes smaller steps
        "elitism": 1,         # generational: best parents kept (CANDLE's eaSimple: 0)
    }

    def __init__(self, space, **kwargs):
        super().__init__(space, **kwargs)
        o = self.options
        self.mode = o["mode"] or ("generational" if self.batch > 0 else "steady_state")
        if self.mode not in ("generational", "steady_state"):
            raise ConfigError("optimizer.options.mode: expected generational or steady_state, "
                              f"got {self.mode!r}")
        self.size = int(o["population"] or (self.batch if self.batch > 0 else 10))
        if self.size < 2:
            raise ConfigError(f"optimizer.options.population: expected >= 2, got {self.size}")
        self.indpb = o["indpb"] if o["indpb"] is not None else 1.0 / max(len(space), 1)
        self.categorical = [i for i, p in enumerate(space) if not p.ordered]
        self.cardinality = {i: len(space.params[i].choices) for i in self.categorical}
        self.rng = random.Random(self.seed)
        self.pop = []                                   # evaluated individuals (parents)
        self.pending = collections.defaultdict(list)    # key of a proposed point -> individuals
        self.seen = set()                               # keys of every point proposed
        self.generation = 0
        self.queue = collections.deque()                # generational: still to propose
        self.current = []                               # generational: this generation's members
        self.inits = 0                                  # steady-state: random individuals proposed

    # ---- ask / tell ---------------------------------------------------------------------------

    def _ask(self, n):
        out = []
        with self._seeded():
            while len(out) < n:
                if self.mode == "generational":
                    ind = self._next_generational()
                else:
                    ind = self._next_steady()
                if ind is None:
                    break
                point = self.space.decode(ind)
                key = self.space.key(point)
                self.seen.add(key)
                self.pending[key].append(ind)
                out.append(point)
        return out

    def _tell(self, params, value, ok):
        key = self.space.key(params)
        waiting = self.pending.get(key)
        if waiting:
            ind = waiting.pop(0)
            if not waiting:
                del self.pending[key]
        else:  # not proposed by us (a replay that diverged): learn from it all the same
            ind = _Individual(self.space.encode(params))
            if self.mode == "generational":
                self.current.append(ind)
        if value is None:
            return  # dropped: no fitness, never a parent
        ind.fitness.values = (float(value),)
        if self.mode == "steady_state":
            self._insert(ind)

    def _state(self):
        return {"mode": self.mode, "generation": self.generation, "rng": rng_digest(self.rng),
                "population": sorted(ind.fitness.values[0] for ind in self.pop)}

    # ---- steady state ------------------------------------------------------------------------

    def _next_steady(self):
        if self.inits < self.size or len(self.pop) < 2:
            self.inits += 1
            return self._random_individual()
        return self._breed()

    def _insert(self, ind):
        self.pop.append(ind)
        if len(self.pop) > self.size:
            worst = max(range(len(self.pop)), key=lambda i: _value(self.pop[i]))
            del self.pop[worst]

    def _breed(self):
        """One child from two tournament-selected parents; never a copy of a point already
        proposed (up to 10 extra mutations)."""
        parents = tools.selTournament(self.pop, 2, self.options["tournsize"])
        p1, p2 = (ind.clone() for ind in parents)
        child = self._vary(p1, p2)[0]
        for _ in range(10):
            if self.space.key(self.space.decode(child)) not in self.seen:
                break
            self._mutate(child)
        return child

    # ---- generational ------------------------------------------------------------------------

    def _next_generational(self):
        for _ in range(100):
            if self.queue:
                return self.queue.popleft()
            if self.pending:
                return None  # this generation is still being evaluated: wait
            self._new_generation()
        return self._random_individual()  # 100 generations of unchanged clones: escape by chance

    def _new_generation(self):
        """The evaluated members become the parents (plus the elite of the previous parents); the
        next generation is bred from them as eaSimple does."""
        if self.generation == 0 and not self.current:
            self.current = [self._random_individual() for _ in range(self.size)]
            self.queue.extend(self.current)
            return
        parents = [ind for ind in self.current if ind.fitness.valid]
        elite = sorted(self.pop, key=_value)[:int(self.options["elitism"])]
        parents.extend(ind.clone() for ind in elite)
        parents.sort(key=_value)
        self.pop = parents[:self.size]
        self.generation += 1
        if not self.pop:  # every member failed: start over
            self.current = [self._random_individual() for _ in range(self.size)]
        else:
            selected = tools.selTournament(self.pop, self.size, self.options["tournsize"])
            chosen = [ind.clone() for ind in selected]
            self.current = []
            for i in range(0, len(chosen) - 1, 2):
                self.current.extend(self._vary(chosen[i], chosen[i + 1], always=False))
            if len(chosen) % 2:
                last = chosen[-1]
                if random.random() < self.options["mutpb"]:
                    self._mutate(last)
                self.current.append(last)
        self.queue.extend(ind for ind in self.current if not ind.fitness.valid)

    # ---- operators ---------------------------------------------------------------------------

    def _random_individual(self):
        return _Individual(random.random() for _ in range(len(self.space)))

    def _vary(self, a, b, always=True):
        """Crossover with cxpb, then mutation with mutpb (as DEAP's varAnd). With always, a child
        that came out unchanged is mutated, so steady state never re-evaluates a parent."""
        o = self.options
        before = (list(a), list(b))
        if random.random() < o["cxpb"]:
            parents = (list(a), list(b))
            tools.cxSimulatedBinaryBounded(a, b, o["eta_cx"], 0.0, 1.0)
            for i in self.categorical:  # whole-gene swap, not a blend
                if random.random() < 0.5:
                    a[i], b[i] = parents[1][i], parents[0][i]
                else:
                    a[i], b[i] = parents[0][i], parents[1][i]
        for child, old in zip((a, b), before):
            if random.random() < o["mutpb"]:
                self._mutate(child)
            if always and list(child) == old:
                self._mutate(child, force=True)
            if list(child) != old:
                del child.fitness.values
        return a, b

    def _mutate(self, ind, force=False):
        """Polynomial mutation of ordered genes, redraw of categorical ones, each with indpb;
        force: at least one gene changes."""
        before = list(ind)
        tools.mutPolynomialBounded(ind, self.options["eta_mut"], 0.0, 1.0, self.indpb)
        for i in self.categorical:
            ind[i] = before[i]
            if random.random() < self.indpb:
                ind[i] = self._redraw(i, before[i])
        if force and list(ind) == before and len(ind):
            i = random.randrange(len(ind))
            if i in self.cardinality:
                ind[i] = self._redraw(i, before[i])
            else:
                ind[i] = random.random()
        if list(ind) != before and ind.fitness.valid:
            del ind.fitness.values
        return ind

    def _redraw(self, i, old):
        """A categorical gene set to a different choice (bin centre), when there is one."""
        k = self.cardinality[i]
        current = min(int(old * k), k - 1)
        if k == 1:
            return old
        new = random.randrange(k - 1)
        new += new >= current
        return (new + 0.5) / k

    @contextlib.contextmanager
    def _seeded(self):
        saved = random.getstate()
        random.setstate(self.rng.getstate())
        try:
            yield
        finally:
            self.rng.setstate(random.getstate())
            random.setstate(saved)
