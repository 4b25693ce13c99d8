"""The host and driver against a deterministic fake engine (eqpy.testing): the streaming and batch
protocols, budgets, stop, determinism across thread timing, failures, and restart replay."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eq_py"))

from eqpy.space import Space, canonical  # noqa: E402
from eqpy.testing import MIXED_SPACE, FakeEngine, mixed_objective  # noqa: E402


def config(name, seed=1, batch=0, max_evals=24, workers=3, **extra):
    opt = {"name": name, "seed": seed, "batch": batch, "max_evals": max_evals,
           **extra.pop("opt", {})}
    return {"run_dir": "/tmp/x", "workers": workers, "space": MIXED_SPACE, "optimizer": opt,
            "objectives": [{"metric": "val_loss", "goal": "minimize"}], **extra}


def test_streaming_keeps_workers_busy_and_spends_the_budget():
    cfg = config("random", max_evals=10, workers=3)
    engine = FakeEngine(cfg, mixed_objective, order="random").run()
    # 3 at the start, then one as each result arrives, 10 in all
    assert engine.arrivals == [(0, 3)] + [(k, 1) for k in range(1, 8)]
    assert [p[2] for p in engine.points] == [{"seq": k} for k in range(1, 11)]
    assert len(engine.results) == 10 and engine.messages[-1]["type"] == "done"
    best = engine.done["best"]
    values = [r["objective"] for r in engine.results]
    assert best["objective"] == min(values) and Space(MIXED_SPACE).contains(best["params"])
    assert engine.done["pareto"] is None
    kinds = [e["kind"] for e in engine.events]
    assert "best" in kinds and kinds[-1] == "log"


def test_batch_mode_waits_for_each_whole_batch():
    cfg = config("random", batch=4, max_evals=10)
    engine = FakeEngine(cfg, mixed_objective, order="random").run()
    # each batch only once every result of the previous one has arrived
    assert engine.arrivals == [(0, 4), (4, 4), (8, 2)]
    assert len(engine.results) == 10 and engine.messages[-1]["type"] == "done"


@pytest.mark.parametrize("name,batch", [("random", 0), ("ga", 0), ("ga", 5), ("tpe", 0),
                                        ("nsga2", 0)])
def test_same_seed_same_proposals_through_the_streaming_driver(name, batch):
    runs = [FakeEngine(config(name, seed=s, batch=batch), mixed_objective, order="random",
                       seed=11).run() for s in (3, 3, 4)]
    points = [[canonical(p) for _, p, _ in e.points] for e in runs]
    assert len(points[0]) == 24
    assert points[0] == points[1]
    assert points[0] != points[2]
    assert runs[0].done == runs[1].done


def test_grid_ends_when_exhausted():
    space = [{"name": "a", "type": "int", "low": 1, "high": 3},
             {"name": "b", "type": "categorical", "choices": ["x", "y"]}]
    cfg = {"workers": 4, "space": space, "optimizer": {"name": "grid"}}
    engine = FakeEngine(cfg, lambda p: p["a"] + (p["b"] == "y")).run()
    assert [p for _, p, _ in engine.points] == [{"a": a, "b": b} for a in (1, 2, 3) for b in "xy"]
    assert engine.done["best"]["params"] == {"a": 1, "b": "x"}


def test_stop_ends_the_search_at_once():
    engine = FakeEngine(config("tpe", max_evals=100), mixed_objective, stop_after=5).run()
    assert len(engine.results) == 5 and len(engine.points) == 3 + 5
    assert engine.done["best"]["objective"] == min(r["objective"] for r in engine.results)
    last = engine.events[-1]
    assert last["kind"] == "log" and '"stopped": "max_evals"' in last["message"]


@pytest.mark.parametrize("policy", ["penalize", "ignore", "retry"])
def test_failed_evaluations_count_against_the_budget(policy):
    def flaky(p):
        if p["layers"] == 4:
            raise RuntimeError("diverged")
        return mixed_objective(p)

    cfg = config("tpe", max_evals=20, opt={"on_failure": policy})
    engine = FakeEngine(cfg, flaky, order="random").run()
    failed = [r for r in engine.results if not r["ok"]]
    assert failed and len(engine.results) == 20
    assert engine.done["best"]["params"]["layers"] != 4


def test_multi_objective_weighted_and_pareto_through_the_host():
    def two(p):
        return {"val_loss": mixed_objective(p), "time": p["units"] * p["layers"] / 100.0}

    objectives = [{"metric": "val_loss", "goal": "minimize"},
                  {"metric": "time", "goal": "minimize"}]
    cfg = config("ga", objectives=objectives, multi={"mode": "weighted", "alpha": 0.5})
    weighted = FakeEngine(cfg, two).run()
    best = weighted.done["best"]
    assert set(best["objectives"]) == {"val_loss", "time"}
    assert best["objective"] >= best["objectives"]["val_loss"]      # v + alpha * m, m >= 0
    cfg = config("nsga2", max_evals=30, objectives=objectives, multi={"mode": "pareto"})
    pareto = FakeEngine(cfg, two, order="random").run()
    front = pareto.done["pareto"]
    assert front and all(set(f["objectives"]) == {"val_loss", "time"} for f in front)
    vectors = [(f["objectives"]["val_loss"], f["objectives"]["time"]) for f in front]
    for u in vectors:
        assert not any(v[0] <= u[0] and v[1] <= u[1] and v != u for v in vectors)


@pytest.mark.parametrize("name,batch,order", [("random", 0, "random"), ("ga", 0, "random"),
                                              ("ga", 4, "random"), ("tpe", 0, "random"),
                                              ("nsga2", 0, "fifo"), ("grid", 0, "fifo")])
def test_replay_restores_the_optimizer(name, batch, order):
    """Crash after 9 results, restart with them as replay: the restarted search proposes exactly
    what the uninterrupted one proposed, sends nothing twice, and ends with the same best."""
    cfg = config(name, seed=5, batch=batch, max_evals=26)
    whole = FakeEngine(cfg, mixed_objective, order=order, seed=2).run()
    first = FakeEngine(cfg, mixed_objective, order=order, seed=2, crash_after=9).run()
    resumed = FakeEngine(cfg, mixed_objective, order=order, seed=2, resume=first.snapshot).run()
    whole_points = [canonical(p) for _, p, _ in whole.points]
    assert [canonical(p) for _, p, _ in first.points] == whole_points[:len(first.points)]
    assert [canonical(p) for p in resumed.new_points] == whole_points[len(first.points):]
    assert [r["objective"] for r in resumed.results] == [r["objective"] for r in whole.results]
    assert resumed.done["best"] == whole.done["best"]
    # events caused by replayed results are not sent twice
    bests = [sum(e["kind"] == "best" for e in run.events) for run in (whole, first, resumed)]
    assert bests[0] == bests[1] + bests[2]


@pytest.mark.parametrize("name,batch", [("ga", 0), ("tpe", 0), ("ga", 4)])
def test_replay_resends_points_the_engine_lost(name, batch):
    """Interrupted right after sending points, before the engine stored them: the restarted
    optimizer sends them again (resend: true, by proposal number) instead of waiting forever."""
    cfg = config(name, seed=6, batch=batch, max_evals=20)
    whole = FakeEngine(cfg, mixed_objective).run()
    first = FakeEngine(cfg, mixed_objective, crash_after=8).run()
    snap = dict(first.snapshot)
    lost = {node for node, _, _ in snap["points"][-2:]}   # the last two proposed, still running
    assert lost <= set(snap["in_flight"])
    snap["points"] = [pt for pt in snap["points"] if pt[0] not in lost]
    snap["in_flight"] = {k: v for k, v in snap["in_flight"].items() if k not in lost}
    resumed = FakeEngine(cfg, mixed_objective, resume=snap).run()
    assert lost and resumed.resent
    assert [node for node, _, _ in resumed.points] == [str(k) for k in range(1, 21)]
    before = [canonical(p) for _, p, _ in snap["points"]]
    after = [canonical(p) for p in resumed.new_points]
    assert before + after == [canonical(p) for _, p, _ in whole.points]
    assert resumed.done["best"] == whole.done["best"]


def test_optimizer_exception_becomes_abort_with_traceback(monkeypatch):
    from eqpy.optimizers import basic

    def broken(self, n):
        raise ZeroDivisionError("the optimizer broke")

    monkeypatch.setattr(basic.RandomSearch, "_ask", broken)
    engine = FakeEngine(config("random"), mixed_objective).run()
    assert engine.done is None
    message = engine.abort["message"]
    assert "Traceback" in message and "ZeroDivisionError: the optimizer broke" in message


def test_generational_ga_in_streaming_mode_waits_for_its_generation():
    options = {"mode": "generational", "population": 6}
    cfg = config("ga", max_evals=30, workers=4, opt={"options": options})
    engine = FakeEngine(cfg, mixed_objective, order="random").run()
    assert len(engine.points) == 30 and engine.done is not None
    assert engine.arrivals[0] == (0, 4)
    # results that arrive while the generation is incomplete bring no new point...
    assert engine.arrivals[1] == (1, 1) and engine.arrivals[2][0] == 2
    assert any(b - a > 1 for (a, _), (b, _) in zip(engine.arrivals, engine.arrivals[1:]))
    # ...but the next generation then fills every free worker at once
    assert any(n > 1 for _, n in engine.arrivals[1:])


def test_host_uses_the_engine_module_when_it_is_there(monkeypatch):
    """Inside the supervisor the queues are the builtin _sv_eq module's; play it with a fake."""
    import importlib
    import json
    import queue
    import types

    from eqpy import bridge, host

    sent, inbox = [], queue.Queue()
    fake = types.ModuleType("_sv_eq")
    fake.out_put = lambda text: sent.append(json.loads(text))
    fake.in_get = inbox.get
    monkeypatch.setitem(sys.modules, "_sv_eq", fake)
    importlib.reload(bridge)
    try:
        assert bridge.connected()
        for k in range(1, 4):
            inbox.put(json.dumps({"type": "result", "id": str(k), "tag": {"seq": k}, "ok": True,
                                  "objective": float(k)}))
        host.main(json.dumps(config("random", max_evals=3, workers=3)))
    finally:
        monkeypatch.delitem(sys.modules, "_sv_eq")
        importlib.reload(bridge)
    assert not bridge.connected()
    kinds = [m["type"] for m in sent]
    assert kinds[0] == "points" and len(sent[0]["points"]) == 3 and kinds[-1] == "done"
    assert sent[-1]["best"]["objective"] == 1.0 and sent[-1]["best"]["id"] == "1"


def test_a_closed_engine_queue_reads_as_stop(monkeypatch):
    """_sv_eq.in_get raises EOFError once the campaign is ending: done, not abort."""
    import importlib
    import json
    import types

    from eqpy import bridge, host

    sent = []

    def closed():
        raise EOFError("the supervisor closed the optimizer's queue")

    fake = types.ModuleType("_sv_eq")
    fake.out_put = lambda text: sent.append(json.loads(text))
    fake.in_get = closed
    monkeypatch.setitem(sys.modules, "_sv_eq", fake)
    importlib.reload(bridge)
    try:
        host.main(json.dumps(config("tpe", workers=2)))
    finally:
        monkeypatch.delitem(sys.modules, "_sv_eq")
        importlib.reload(bridge)
    assert [m["type"] for m in sent] == ["points", "event", "done"]
    assert sent[-1]["best"] is None and '"stopped": "closed"' in sent[1]["message"]
