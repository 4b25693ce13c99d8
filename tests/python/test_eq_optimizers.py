"""The optimizers through their ask/tell interface: valid points for every parameter type, seeds,
grid enumeration, both GA modes, TPE learning, multi-objective maths and failure policies."""
import math
import os
import random
import statistics
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eq_py"))

from eqpy.objectives import History, Scorer  # noqa: E402
from eqpy.optimizer import make_optimizer  # noqa: E402
from eqpy.space import Space, canonical  # noqa: E402
from eqpy.testing import MIXED_SPACE, mixed_objective  # noqa: E402

NAMES = ["random", "grid", "ga", "tpe", "nsga2"]


def drive(opt, n, evaluate=mixed_objective, workers=3):
    """Streaming-like: `workers` out, the oldest told first, one new point per result, until n
    points were proposed; every point is told."""
    out, running = [], list(opt.ask(workers))
    out.extend(running)
    while running:
        p = running.pop(0)
        opt.tell(p, evaluate(p))
        new = opt.ask(1) if len(out) < n else []
        out.extend(new)
        running.extend(new)
    return out


def keys(points):
    return [canonical(p) for p in points]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch", [0, 6])
def test_proposals_are_valid_points_of_every_type(name, batch):
    space = Space(MIXED_SPACE)
    options = {"shuffle": True} if name == "grid" else {}
    opt = make_optimizer(name, space, seed=4, batch=batch, options=options)
    points = drive(opt, 40)
    assert len(points) == 40
    choices = {canonical(c) for c in MIXED_SPACE[4]["choices"]}
    for p in points:
        assert space.contains(p), p
        assert type(p["layers"]) is int and type(p["units"]) is int
        assert canonical(p["act"]) in choices and p["batch"] in (16, 32, 64, 128)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_proposals_other_seed_other(name):
    space = Space(MIXED_SPACE)
    options = {"shuffle": True} if name == "grid" else {}
    runs = [keys(drive(make_optimizer(name, space, seed=s, options=options), 30))
            for s in (7, 7, 8)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_grid_enumerates_the_product_in_order_then_is_exhausted():
    space = Space([{"name": "x", "type": "float", "low": 0, "high": 1},
                   {"name": "n", "type": "int", "low": 1, "high": 2},
                   {"name": "c", "type": "categorical", "choices": ["a", "b"]}])
    opt = make_optimizer("grid", space, options={"levels": {"x": 3}})
    points = opt.ask(100)
    assert len(points) == 12 and opt.exhausted and opt.ask(5) == []
    assert points[:3] == [{"x": 0.0, "n": 1, "c": "a"}, {"x": 0.0, "n": 1, "c": "b"},
                          {"x": 0.0, "n": 2, "c": "a"}]
    assert [p["x"] for p in points[::4]] == [0.0, 0.5, 1.0]
    assert len(set(keys(points))) == 12
    options = {"levels": {"x": 3}, "shuffle": True}
    shuffled = make_optimizer("grid", space, seed=2, options=options).ask(100)
    assert sorted(keys(shuffled)) == sorted(keys(points)) and keys(shuffled) != keys(points)


def sphere(p):
    return (p["x"] - 0.3) ** 2 + (p["y"] + 0.2) ** 2


XY = [{"name": "x", "type": "float", "low": -1, "high": 1},
      {"name": "y", "type": "float", "low": -1, "high": 1}]


def test_ga_steady_state_breeds_one_child_per_result_and_keeps_the_best():
    space = Space(XY)
    opt = make_optimizer("ga", space, seed=1, options={"population": 8})
    assert opt.mode == "steady_state"
    points = drive(opt, 120, sphere)
    assert opt.inits == 8                      # the initial population, then only children
    assert len(opt.pop) == 8
    values = sorted(sphere(p) for p in points)
    assert sorted(ind.fitness.values[0] for ind in opt.pop) == pytest.approx(values[:8])
    assert values[0] < 1e-3


def test_ga_generational_evaluates_whole_generations():
    space = Space(XY)
    opt = make_optimizer("ga", space, seed=1, batch=10)
    assert opt.mode == "generational" and opt.size == 10
    first = opt.ask(10)
    assert opt.ask(1) == []                    # the generation is still out: nothing to breed from
    for p in first:
        opt.tell(p, sphere(p))
    bests = []
    for _ in range(10):
        batch = opt.ask(10)
        assert 0 < len(batch) <= 10            # unchanged clones are not re-evaluated
        for p in batch:
            opt.tell(p, sphere(p))
        bests.append(min(ind.fitness.values[0] for ind in opt.pop))
    assert opt.generation == 10
    assert bests == sorted(bests, reverse=True)  # elitism: the best never gets worse
    assert bests[-1] < 0.01


def test_ga_handles_a_discrete_only_space_without_repeats():
    space = Space([{"name": "c", "type": "categorical", "choices": list("abcdef")},
                   {"name": "o", "type": "ordinal", "values": [1, 2, 3, 4]}])
    opt = make_optimizer("ga", space, seed=3, options={"population": 4})
    points = drive(opt, 20, lambda p: "abcdef".index(p["c"]) + p["o"])
    assert len(set(keys(points))) >= 15        # 24 points exist; children avoid repeats


def test_tpe_improves_on_a_simple_function():
    space = Space(XY)
    opt = make_optimizer("tpe", space, seed=0, options={"n_startup": 10})
    values = [sphere(p) for p in drive(opt, 60, sphere, workers=1)]
    assert statistics.median(values[-20:]) < statistics.median(values[:10]) / 5
    assert min(values) < 0.05


def test_nsga2_front_is_non_dominated():
    space = Space(XY)
    opt = make_optimizer("nsga2", space, seed=2, n_objectives=2, options={"population": 8})
    f1 = lambda p: p["x"] ** 2 + p["y"] ** 2               # noqa: E731
    f2 = lambda p: (p["x"] - 1) ** 2 + (p["y"] - 1) ** 2   # noqa: E731
    scorer = Scorer([{"metric": "a", "goal": "minimize"}, {"metric": "b", "goal": "maximize"}],
                    {"mode": "pareto", "alphas": [0.1]})
    history = History(scorer)
    running, sent = opt.ask(4), 4
    while running:
        p = running.pop(0)
        result = {"ok": True, "id": str(len(history.records) + 1),
                  "objectives": {"a": f1(p), "b": -f2(p)}}
        history.add(result, p)
        value, ok = scorer.feedback(result)
        assert value == [f1(p), f2(p)]         # b is maximized: negated into minimization sense
        opt.tell(p, value, ok)
        if sent < 48:
            running += opt.ask(1)
            sent += 1
    front = history.pareto()
    vectors = [(r["raw"][0], -r["raw"][1]) for r in history.records]
    on_front = [(f["objectives"]["a"], -f["objectives"]["b"]) for f in front]
    dominated = lambda u, v: u[0] <= v[0] and u[1] <= v[1] and u != v  # noqa: E731
    assert len(front) >= 3
    assert not any(dominated(u, v) for u in on_front for v in on_front)
    for v in vectors:                          # everything else is dominated by the front
        assert v in on_front or any(dominated(u, v) for u in on_front)


def test_weighted_multi_objective_math():
    scorer = Scorer([{"metric": "loss", "goal": "minimize"},
                     {"metric": "time", "goal": "minimize"},
                     {"metric": "acc", "goal": "maximize"}],
                    {"mode": "weighted", "alphas": [0.5, 2.0]})

    def result(loss, time, acc):
        return {"ok": True, "objectives": {"loss": loss, "time": time, "acc": acc}}

    assert scorer.feedback(result(1.0, 10.0, 0.5)) == (1.0, True)        # ranges empty: m = 0
    value, _ = scorer.feedback(result(2.0, 30.0, 0.9))
    assert value == pytest.approx(2.0 + 0.5 * 1.0 + 2.0 * 0.0)          # slowest, most accurate
    value, _ = scorer.feedback(result(1.5, 15.0, 0.6))
    assert value == pytest.approx(1.5 + 0.5 * (5 / 20) + 2.0 * (0.3 / 0.4))
    history = History(scorer)
    for r in (result(1.0, 10.0, 0.5), result(2.0, 30.0, 0.9), result(1.2, 10.0, 0.9)):
        history.add(r, {"p": r["objectives"]["loss"]})
    best = history.best()
    assert best["params"] == {"p": 1.2} and best["objective"] == pytest.approx(1.2)
    # a maximized primary objective: f = v - alpha * m, reported in its own sense
    up = Scorer([{"metric": "acc", "goal": "maximize"}, {"metric": "time", "goal": "minimize"}],
                {"mode": "weighted", "alphas": [0.1]})
    up.feedback({"objectives": {"acc": 0.8, "time": 1.0}})
    value, _ = up.feedback({"objectives": {"acc": 0.9, "time": 3.0}})
    assert value == pytest.approx(-(0.9 - 0.1 * 1.0))


@pytest.mark.parametrize("policy", ["penalize", "retry", "ignore"])
def test_failure_policies(policy):
    scorer = Scorer([{"metric": "loss", "goal": "minimize"}], {"mode": "single", "alphas": []},
                    policy)
    failed = {"ok": False, "objective": None, "error": "boom"}
    assert scorer.feedback(failed) == (None, False)  # nothing to scale a penalty by yet
    scorer.feedback({"ok": True, "objective": 2.0})
    scorer.feedback({"ok": True, "objective": 5.0})
    expected = None if policy == "ignore" else 5.0 + 3.0         # worst + spread
    assert scorer.feedback(failed) == (expected, False)
    assert scorer.feedback({"ok": True, "objective": float("nan")}) == (expected, False)
    pareto = Scorer([{"metric": "a", "goal": "minimize"}, {"metric": "b", "goal": "maximize"}],
                    {"mode": "pareto", "alphas": [0.1]}, policy)
    pareto.feedback({"objectives": {"a": 1.0, "b": 4.0}})
    pareto.feedback({"objectives": {"a": 3.0, "b": 2.0}})
    assert pareto.feedback(failed)[0] == (None if policy == "ignore" else [5.0, -0.0])


@pytest.mark.parametrize("name", ["random", "ga", "tpe", "nsga2"])
def test_every_optimizer_takes_failures_and_penalties(name):
    space = Space(MIXED_SPACE)
    opt = make_optimizer(name, space, seed=1)
    points = opt.ask(6)
    opt.tell(points[0], None, ok=False)
    opt.tell(points[1], 3.0)
    opt.tell(points[2], 6.0, ok=False)       # a penalty
    for p in points[3:]:
        opt.tell(p, 1.0)
    assert opt.best()[1] == 1.0 and opt.told == 6
    more = opt.ask(5)
    assert len(more) == 5 and all(space.contains(p) for p in more)
    if name == "tpe":
        states = [t.state.name for t in opt.study.get_trials()]
        assert states[:3] == ["FAIL", "COMPLETE", "COMPLETE"]


def test_state_fingerprint_tracks_the_call_sequence():
    space = Space(MIXED_SPACE)
    a, b = (make_optimizer("ga", space, seed=9) for _ in range(2))
    for opt in (a, b):
        drive(opt, 25)
    assert a.state() == b.state()
    drive(b, 3)
    assert a.state() != b.state()


def test_unknown_optimizer_and_option():
    from eqpy.config import ConfigError
    with pytest.raises(ConfigError, match="unknown 'cma'"):
        make_optimizer("cma", Space(XY))
    with pytest.raises(ConfigError, match="unknown for tpe: n_startup_trials"):
        make_optimizer("tpe", Space(XY), options={"n_startup_trials": 3})


def test_random_draws_are_uniform_enough():
    space = Space(XY)
    points = make_optimizer("random", space, seed=0).ask(2000)
    assert abs(statistics.fmean(p["x"] for p in points)) < 0.05
    assert math.isclose(statistics.pstdev(p["y"] for p in points), 1 / math.sqrt(3), rel_tol=0.05)
    _ = random  # the module's own generator is not used by the optimizers


def test_tpe_learns_a_pruned_trial_as_optuna_pruned_with_its_intermediate_values():
    from optuna.trial import TrialState
    space = Space(MIXED_SPACE)
    opt = make_optimizer("tpe", space, seed=2)
    first, second = opt.ask(2)
    opt.tell(first, 0.5)
    opt.tell_pruned(second, 2.0, [(1, 3.0), (3, 2.0)])
    trials = opt.study.get_trials(deepcopy=False)
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.PRUNED]
    assert trials[1].intermediate_values == {1: 3.0, 3: 2.0}
    assert opt.told == 2
    assert opt.best() == (first, 0.5)  # a pruned trial is never the best


@pytest.mark.parametrize("name", ["random", "ga"])
def test_other_optimizers_learn_the_value_a_pruned_trial_reached(name):
    space = Space(MIXED_SPACE)
    opt = make_optimizer(name, space, seed=2)
    (point,) = opt.ask(1)
    opt.tell_pruned(point, 0.75, [(1, 0.9), (2, 0.75)])
    assert opt.told == 1
    assert opt.best() == (point, 0.75)
