"""TPE (single objective) and NSGA-II (several objectives, Pareto) on Optuna's ask/tell API.

Each proposal is ``study.ask(fixed_distributions)`` with distributions built once from the space,
and each result is ``study.tell``; so Optuna never calls an objective function and the driver keeps
control of streaming, batches and replay. Categorical choices of any JSON type are modelled as
indices into the choice list (Optuna accepts only None/bool/int/float/str choices); ordinal values
as an integer index, which keeps their order. Samplers are seeded, so the same seed and the same
order of ask/tell calls give the same proposals. Optuna's own logging is silenced (the store
records events).

Failures: a penalty value is told as a completed trial (the model learns the region is bad); a
failure without a value (``ignore``, or nothing to scale a penalty by yet) is told with state FAIL,
which both samplers leave out of their models.
"""
import hashlib
import warnings

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from ..optimizer import Optimizer

optuna.logging.set_verbosity(optuna.logging.WARNING)


def distributions(space):
    """Optuna distributions (by name) for the space's parameters."""
    out = {}
    for p in space:
        if p.kind == "float":
            out[p.name] = FloatDistribution(p.low, p.high, log=p.log)
        elif p.kind == "int":
            out[p.name] = IntDistribution(p.low, p.high, log=p.log)
        elif p.kind == "categorical":
            out[p.name] = CategoricalDistribution(list(range(len(p.choices))))
        else:  # ordinal
            out[p.name] = IntDistribution(0, len(p.choices) - 1)
    return out


def to_point(space, internal):
    point = {}
    for p in space:
        v = internal[p.name]
        if p.kind == "float":
            point[p.name] = min(max(float(v), p.low), p.high)
        elif p.kind == "int":
            point[p.name] = int(v)
        else:
            point[p.name] = p.at(int(v))
    return point


def to_internal(space, point):
    internal = {}
    for p in space:
        v = point[p.name]
        internal[p.name] = p.index(v) if p.kind in ("categorical", "ordinal") else v
    return internal


def _digest(rng):
    try:
        state = rng.get_state()
        text = repr(state[1].tolist()) + repr(state[2:])
        return hashlib.sha1(text.encode()).hexdigest()[:16]
    except AttributeError:
        return None


class _OptunaOptimizer(Optimizer):
    """Shared ask/tell plumbing; subclasses build the sampler."""

    def __init__(self, space, **kwargs):
        super().__init__(space, **kwargs)
        self.dists = distributions(space)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            self.sampler = self._sampler()
            self.study = optuna.create_study(sampler=self.sampler,
                                             directions=["minimize"] * self._n_values())
        self.pending = {}  # key of a proposed point -> trials proposed with it

    def _n_values(self):
        return 1

    def _sampler(self):
        raise NotImplementedError

    def _ask(self, n):
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            for _ in range(n):
                trial = self.study.ask(self.dists)
                point = to_point(self.space, trial.params)
                self.pending.setdefault(self.space.key(point), []).append(trial)
                out.append(point)
        return out

    def _tell(self, params, value, ok):
        key = self.space.key(params)
        trials = self.pending.get(key)
        if value is None:
            values = None
        elif isinstance(value, (int, float)):
            values = [float(value)]
        else:
            values = [float(v) for v in value]
        if not trials:  # not proposed here (a replay that diverged): add it as a finished trial
            state = TrialState.FAIL if values is None else TrialState.COMPLETE
            self.study.add_trial(optuna.trial.create_trial(
                params=to_internal(self.space, params), distributions=self.dists,
                values=values, state=state))
            return
        trial = trials.pop(0)
        if not trials:
            del self.pending[key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if values is None:
                self.study.tell(trial, state=TrialState.FAIL)
            else:
                self.study.tell(trial, values)

    def _tell_pruned(self, params, value, steps):
        # A pruned trial with its intermediate values (what Optuna's own pruners leave), so TPE ranks
        # it below the trials that finished; Optuna reports one objective only, so with several the
        # trial is told the values reached.
        if self._n_values() != 1 or not steps:
            return Optimizer._tell_pruned(self, params, value, steps)
        key = self.space.key(params)
        trials = self.pending.get(key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not trials:  # a replay that diverged: add it as a finished pruned trial
                self.study.add_trial(optuna.trial.create_trial(
                    params=to_internal(self.space, params), distributions=self.dists,
                    intermediate_values={int(e): float(v) for e, v in steps}, state=TrialState.PRUNED))
                return
            trial = trials.pop(0)
            if not trials:
                del self.pending[key]
            for epoch, v in steps:
                trial.report(float(v), int(epoch))
            self.study.tell(trial, state=TrialState.PRUNED)

    def _state(self):
        trials = self.study.get_trials(deepcopy=False)
        return {"trials": len(trials),
                "complete": sum(t.state == TrialState.COMPLETE for t in trials),
                "rng": _digest(getattr(self.sampler, "_rng", None))}


class TPE(_OptunaOptimizer):
    """Tree-structured Parzen estimator (Optuna's TPESampler). Options map to its arguments:
    n_startup (random trials before the model is used), n_ei_candidates, multivariate, group,
    constant_liar (treat running trials as bad, spreading parallel proposals), consider_endpoints,
    prior_weight."""

    name = "tpe"
    OPTIONS = {"n_startup": 10, "n_ei_candidates": 24, "multivariate": False, "group": False,
               "constant_liar": False, "consider_endpoints": False, "prior_weight": 1.0}

    def _sampler(self):
        o = self.options
        return optuna.samplers.TPESampler(
            seed=self.seed, n_startup_trials=int(o["n_startup"]),
            n_ei_candidates=int(o["n_ei_candidates"]), multivariate=bool(o["multivariate"]),
            group=bool(o["group"]), constant_liar=bool(o["constant_liar"]),
            consider_endpoints=bool(o["consider_endpoints"]),
            prior_weight=float(o["prior_weight"]))


class NSGA2(_OptunaOptimizer):
    """NSGA-II (Optuna's NSGAIISampler) over every objective at once; the driver reports the Pareto
    front. Options: population, mutation_prob, crossover_prob, swapping_prob."""

    name = "nsga2"
    OPTIONS = {"population": 20, "mutation_prob": None, "crossover_prob": 0.9,
               "swapping_prob": 0.5}

    def _n_values(self):
        return self.n_objectives

    def _sampler(self):
        o = self.options
        return optuna.samplers.NSGAIISampler(
            population_size=int(o["population"]), mutation_prob=o["mutation_prob"],
            crossover_prob=float(o["crossover_prob"]), swapping_prob=float(o["swapping_prob"]),
            seed=self.seed)
