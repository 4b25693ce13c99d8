"""EMEWS compatibility: the eqpy queue API, and unchanged EMEWS-style ME algorithms (only
OUT_put / IN_get) driven through optimizer name "emews" against the fake engine."""
import json
import os
import sys
import textwrap
import threading

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eq_py"))

import eqpy  # noqa: E402
from eqpy.testing import FakeEngine  # noqa: E402

# An ME algorithm as EMEWS / CANDLE write them: settings via "Params", batches of ';'-joined JSON
# objects, results as ';'-joined numbers (NaN for failures), then DONE and a final report.
BATCH_ALGORITHM = '''
import json
import math
import random

import eqpy


def run():
    eqpy.OUT_put("Params")
    settings = json.loads(eqpy.IN_get())
    rng = random.Random(settings["seed"])
    best, nans = None, 0
    for generation in range(settings["generations"]):
        batch = [{"x": rng.uniform(-2, 2), "n": rng.randint(1, 3), "generation": generation}
                 for _ in range(settings["size"])]
        eqpy.OUT_put(";".join(json.dumps(p) for p in batch))
        values = [float(v) for v in eqpy.IN_get().split(";")]
        assert len(values) == len(batch)
        for p, v in zip(batch, values):
            if math.isnan(v):
                nans += 1
            elif best is None or v < best[1]:
                best = (p, v)
    eqpy.OUT_put("DONE")
    eqpy.OUT_put(json.dumps({"best": best[0], "value": best[1], "nans": nans}))
    eqpy.OUT_put("log: finished")
'''

FAILING_ALGORITHM = '''
import eqpy


def run():
    eqpy.OUT_put("Settings")
    name = eqpy.IN_get()
    eqpy.OUT_put('{"x": 1.0}')
    eqpy.IN_get()
    raise ValueError("cannot read settings file " + name)
'''


@pytest.fixture
def algorithm(tmp_path):
    def write(source, name="me_algo"):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        return {"name": "emews", "module": name, "path": [str(tmp_path)]}
    yield write
    for name in ("me_algo", "me_fail", "me_noop"):
        sys.modules.pop(name, None)


def objective(p):
    if p["n"] == 3:
        raise RuntimeError("model diverged")
    return (p["x"] - 0.5) ** 2 + p["n"]


def test_eqpy_exposes_the_emews_api():
    for name in ("OUT_put", "IN_get", "init", "output_q_get", "input_q", "output_q", "EQPY_ABORT"):
        assert hasattr(eqpy, name)
    assert eqpy.EQPY_ABORT == "EQPY_ABORT"


def test_emews_runner_reports_a_dying_algorithm_as_emews_does():
    class Dies:
        @staticmethod
        def run():
            eqpy.OUT_put("hello")
            raise KeyError("gone")

    eqpy.reset()
    eqpy.init(Dies)
    assert eqpy.output_q_get() == "hello"
    assert eqpy.output_q_get() == eqpy.EQPY_ABORT
    trace = eqpy.output_q_get()
    assert trace.startswith("Traceback") and "KeyError: 'gone'" in trace

    class Returns:
        @staticmethod
        def run():
            eqpy.OUT_put("x")

    eqpy.reset()
    eqpy.init(Returns)
    assert eqpy.output_q_get(timeout=0.05) == "x"
    assert eqpy.output_q_get(timeout=0.05) == eqpy.EQPY_ABORT   # the thread ended: EMEWS's signal
    assert eqpy.output_q_get(timeout=0.05) == "Exited normally"


def test_an_emews_algorithm_completes_a_search(algorithm):
    opt = algorithm(BATCH_ALGORITHM)
    opt["settings"] = {"seed": 4, "generations": 3, "size": 5}
    cfg = {"workers": 2, "optimizer": opt, "objectives": [{"metric": "loss", "goal": "minimize"}]}
    engine = FakeEngine(cfg, objective, order="random").run()
    assert engine.abort is None, engine.abort
    assert engine.arrivals == [(0, 5), (5, 5), (10, 5)]           # one points message per batch
    assert [p["generation"] for _, p, _ in engine.points] == [0] * 5 + [1] * 5 + [2] * 5
    finals = [e for e in engine.events if e["kind"] == "final"]
    assert [f["message"] for f in finals][1:] == ["log: finished"]
    report = json.loads(finals[0]["message"])
    failed = sum(not r["ok"] for r in engine.results)
    assert failed and report["nans"] == failed                      # failures reached it as NaN
    ok_values = [r["objective"] for r in engine.results if r["ok"]]
    assert report["value"] == min(ok_values)
    assert engine.done["best"]["objective"] == min(ok_values)
    assert engine.done["best"]["params"] == report["best"]


def test_settings_string_is_passed_verbatim_and_a_crash_aborts(algorithm):
    opt = algorithm(FAILING_ALGORITHM, name="me_fail")
    opt["settings"] = "/abs/settings.json"
    engine = FakeEngine({"optimizer": opt}, lambda p: p["x"]).run()
    assert engine.done is None
    message = engine.abort["message"]
    assert message.startswith("Traceback")
    assert "ValueError: cannot read settings file /abs/settings.json" in message


def test_emews_final_without_done_and_noop_algorithm(algorithm):
    # EQ-Py's own noop example: non-JSON batches are errors, so use its shape with JSON points.
    opt = algorithm('''
        import eqpy
        def run():
            eqpy.OUT_put('{"x": 1}')
            eqpy.IN_get()
            eqpy.OUT_put('{"x": 33}')
            eqpy.IN_get()
            eqpy.OUT_put("FINAL")
    ''', name="me_noop")
    engine = FakeEngine({"optimizer": opt}, lambda p: p["x"]).run()
    assert [p for _, p, _ in engine.points] == [{"x": 1}, {"x": 33}]
    assert engine.done["best"] == {"params": {"x": 1}, "objective": 1.0,
                                   "objectives": {"objective": 1.0}, "id": "1"}


def test_emews_unreadable_message_aborts_with_a_clear_line(algorithm):
    opt = algorithm('''
        import eqpy
        def run():
            eqpy.OUT_put("0.1,0.2")
            eqpy.IN_get()
    ''', name="me_noop")
    engine = FakeEngine({"optimizer": opt}, lambda p: 0).run()
    expected = "none of Params, Settings, DONE, FINAL or ';'-joined points"
    assert expected in engine.abort["message"]


def test_emews_stop_releases_the_algorithm_and_replay_restores_it(algorithm):
    opt = algorithm(BATCH_ALGORITHM)
    opt["settings"] = {"seed": 9, "generations": 4, "size": 3}
    cfg = {"workers": 3, "optimizer": opt}
    evaluate = lambda p: (p["x"] - 0.5) ** 2 + p["n"]  # noqa: E731
    whole = FakeEngine(cfg, evaluate, order="random").run()
    first = FakeEngine(cfg, evaluate, order="random", crash_after=4).run()
    assert first.done is not None and len(first.points) == 6        # stop mid-batch: done at once
    resumed = FakeEngine(cfg, evaluate, order="random", resume=first.snapshot).run()
    assert [p for _, p, _ in first.points] + resumed.new_points == [p for _, p, _ in whole.points]
    assert resumed.done["best"] == whole.done["best"]
    assert [e["message"] for e in resumed.events] == [e["message"] for e in whole.events]
    # the stopped run's algorithm thread got EQPY_ABORT and ended instead of hanging in IN_get
    for thread in threading.enumerate():
        if thread.name == "eqpy-me-algorithm":
            thread.join(5)
            assert not thread.is_alive()


# ---- EMEWS algorithms as written for EMEWS, unchanged (issue 14) -----------------------------------

PUSH_FIRST_ALGORITHM = '''
import json
import eqpy


def run():
    settings = json.loads(eqpy.IN_get())      # Swift/T pushes the settings before anything is asked
    for _ in range(settings["rounds"]):
        eqpy.OUT_put(json.dumps({"x": 0.5}))
        eqpy.IN_get()
    eqpy.OUT_put("DONE")
'''


def test_push_settings_serves_an_algorithm_that_waits_for_its_settings_first(algorithm):
    opt = algorithm(PUSH_FIRST_ALGORITHM)
    opt.update(settings={"rounds": 2}, options={"push_settings": True})
    engine = FakeEngine({"optimizer": opt}, lambda p: p["x"]).run()
    assert engine.abort is None, engine.abort
    assert [p for _, p, _ in engine.points] == [{"x": 0.5}, {"x": 0.5}]
    assert engine.done is not None


def test_an_algorithm_waiting_for_pushed_settings_without_push_settings_aborts_saying_so(algorithm):
    opt = algorithm(PUSH_FIRST_ALGORITHM)
    opt["settings"] = {"rounds": 2}
    engine = FakeEngine({"optimizer": opt}, lambda p: p["x"]).run()
    assert engine.done is None and engine.points == []
    assert "optimizer.options.push_settings: true" in engine.abort["message"]
    assert "Traceback" not in engine.abort["message"]


def test_an_empty_request_is_answered_with_the_settings(algorithm):
    opt = algorithm('''
        import eqpy
        def run():
            eqpy.OUT_put("")
            rounds = int(eqpy.IN_get())
            for _ in range(rounds):
                eqpy.OUT_put('{"x": 2}')
                eqpy.IN_get()
            eqpy.OUT_put("DONE")
    ''', name="me_noop")
    opt["settings"] = "3"
    engine = FakeEngine({"optimizer": opt}, lambda p: p["x"]).run()
    assert engine.abort is None, engine.abort
    assert len(engine.points) == 3


SPACE_AB = [{"name": "a", "type": "int", "low": 0, "high": 9},
            {"name": "b", "type": "int", "low": 0, "high": 9}]


def _one_batch(algorithm, batch, space, separator=None):
    """Runs an algorithm that sends `batch` once and records the answer text it got."""
    opt = algorithm(f'''
        import eqpy
        def run():
            eqpy.OUT_put({batch!r})
            answers.append(eqpy.IN_get())
            eqpy.OUT_put("DONE")
        answers = []
    ''', name="me_noop")
    if separator is not None:
        opt["options"] = {"result_separator": separator}
    engine = FakeEngine({"optimizer": opt, "space": space},
                        lambda p: sum(v for v in p.values() if isinstance(v, (int, float)))).run()
    assert engine.abort is None, engine.abort
    return [p for _, p, _ in engine.points], sys.modules["me_noop"].answers[0]


def test_points_as_comma_separated_values_in_the_order_of_the_space(algorithm):
    points, answer = _one_batch(algorithm, "1,9;5,5", SPACE_AB)
    assert points == [{"a": 1, "b": 9}, {"a": 5, "b": 5}]
    assert answer == "10.0;10.0"


def test_points_as_python_dict_literals_and_lists(algorithm):
    points, _ = _one_batch(algorithm, "{'a': 1, 'b': 2};(3, 4);[5, 6]", SPACE_AB)
    assert points == [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}]


def test_python_literals_are_read_without_running_code(algorithm):
    opt = algorithm('''
        import eqpy
        def run():
            eqpy.OUT_put("__import__('os').system('touch /tmp/sv_eqpy_pwned')")
            eqpy.IN_get()
    ''', name="me_noop")
    engine = FakeEngine({"optimizer": opt, "space": SPACE_AB}, lambda p: 0).run()
    assert "none of Params, Settings, DONE, FINAL" in engine.abort["message"]
    assert not os.path.exists("/tmp/sv_eqpy_pwned")


def test_bare_scalars_for_a_one_parameter_space_and_categorical_words(algorithm):
    space = [{"name": "x", "type": "float", "low": 0, "high": 1}]
    points, answer = _one_batch(algorithm, "0.25;0.5", space)
    assert points == [{"x": 0.25}, {"x": 0.5}]
    assert answer == "0.25;0.5"
    space = [{"name": "act", "type": "categorical", "choices": ["relu", "tanh"]},
             {"name": "n", "type": "int", "low": 1, "high": 4}]
    points, _ = _one_batch(algorithm, "relu,2;tanh,3", space)
    assert points == [{"act": "relu", "n": 2}, {"act": "tanh", "n": 3}]


def test_the_result_separator_is_an_option(algorithm):
    _, answer = _one_batch(algorithm, "1,9;5,5", SPACE_AB, separator=",")
    assert answer == "10.0,10.0"


def test_emews_options_are_checked():
    from eqpy.config import Config, ConfigError
    base = {"optimizer": {"name": "emews", "module": "m"}}
    for options, key in (({"push_setings": True}, "optimizer.options.push_setings"),
                         ({"push_settings": "yes"}, "optimizer.options.push_settings"),
                         ({"result_separator": ""}, "optimizer.options.result_separator"),
                         ({"hang_timeout": -1}, "optimizer.options.hang_timeout")):
        with pytest.raises(ConfigError) as err:
            Config({**base, "optimizer": {**base["optimizer"], "options": options}})
        assert err.value.key == key


def test_a_budget_stop_ends_a_waiting_algorithm_quietly(algorithm):
    # The algorithm reads its results as numbers: given the text EQPY_ABORT it would die with a
    # traceback. A budget stop must end its thread as a normal end instead.
    opt = algorithm(BATCH_ALGORITHM)
    opt["settings"] = {"seed": 2, "generations": 5, "size": 3}
    engine = FakeEngine({"workers": 3, "optimizer": opt}, lambda p: p["x"], stop_after=4).run()
    assert engine.done is not None and engine.abort is None
    runner = eqpy.p
    runner.join(10)
    assert not runner.is_alive()
    assert runner.exc == "Stopped by the supervisor"
    assert eqpy.output_q.empty()               # no EQPY_ABORT + traceback left behind


def test_an_algorithm_catching_exception_around_in_get_still_ends_on_stop():
    class Stubborn:
        @staticmethod
        def run():
            while True:
                try:
                    eqpy.IN_get()
                except Exception:  # noqa: BLE001 - what careless algorithms do
                    continue

    eqpy.reset()
    runner = eqpy.init(Stubborn)
    eqpy.stop(runner)
    runner.join(10)
    assert not runner.is_alive() and runner.exc == "Stopped by the supervisor"


def test_an_algorithm_waiting_in_in_get_after_done_ends_the_search_normally(algorithm):
    opt = algorithm('''
        import eqpy
        def run():
            eqpy.OUT_put('{"x": 1}')
            eqpy.IN_get()
            eqpy.OUT_put("DONE")
            eqpy.OUT_put("final words")
            eqpy.IN_get()          # as after EMEWS's last message: nothing more will come
    ''', name="me_noop")
    engine = FakeEngine({"optimizer": opt}, lambda p: p["x"]).run()
    assert engine.abort is None, engine.abort
    assert engine.done is not None
    assert [e["message"] for e in engine.events if e["kind"] == "final"] == ["final words"]
