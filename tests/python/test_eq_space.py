"""eqpy.space and eqpy.config: every parameter type encodes, decodes and validates; bad configs
fail with one line naming the key."""
import json
import os
import random
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eq_py"))

from eqpy import bridge, host  # noqa: E402
from eqpy.config import Config, ConfigError  # noqa: E402
from eqpy.space import Space, canonical  # noqa: E402
from eqpy.testing import MIXED_SPACE  # noqa: E402


def test_decoded_points_are_valid_for_every_type():
    space = Space(MIXED_SPACE)
    rng = random.Random(3)
    units = [[0.0] * 6, [1.0] * 6, [0.999999] * 6]
    units += [[rng.random() for _ in range(6)] for _ in range(500)]
    seen_acts = set()
    for u in units:
        p = space.decode(u)
        assert space.contains(p), p
        assert type(p["layers"]) is int and type(p["units"]) is int
        assert 1e-4 <= p["lr"] <= 1e-1 and 8 <= p["units"] <= 512
        seen_acts.add(canonical(p["act"]))
    # every choice, told apart from its look-alikes (1, 1.0 and true are three choices)
    assert seen_acts == {canonical(c) for c in MIXED_SPACE[4]["choices"]}


def test_sample_is_log_uniform_where_log_is_set():
    space = Space(MIXED_SPACE)
    rng = random.Random(0)
    lrs = [space.sample(rng)["lr"] for _ in range(4000)]
    below = sum(lr < 1e-2 for lr in lrs) / len(lrs)  # 2 of 3 decades lie below 1e-2
    assert 0.62 < below < 0.71


def test_encode_decode_round_trip():
    space = Space(MIXED_SPACE)
    rng = random.Random(1)
    for _ in range(200):
        p = space.sample(rng)
        q = space.decode(space.encode(p))
        for name in ("layers", "units", "act", "batch"):
            assert canonical(q[name]) == canonical(p[name])
        assert q["lr"] == pytest.approx(p["lr"]) and q["drop"] == pytest.approx(p["drop"])


def test_int_covers_every_value_uniformly():
    space = Space([{"name": "k", "type": "int", "low": -2, "high": 2}])
    rng = random.Random(5)
    counts = {}
    for _ in range(5000):
        k = space.sample(rng)["k"]
        counts[k] = counts.get(k, 0) + 1
    assert sorted(counts) == [-2, -1, 0, 1, 2]
    assert min(counts.values()) > 850


def test_grid_levels():
    space = Space(MIXED_SPACE)
    lr, drop, layers, units, act, batch = space.params
    assert lr.grid(4) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert drop.grid(3) == pytest.approx([0.0, 0.25, 0.5])
    assert layers.grid(10) == [1, 2, 3, 4]
    assert layers.grid(2) == [1, 4]
    assert units.grid(4) == [8, 32, 128, 512]
    assert act.grid(2) == MIXED_SPACE[4]["choices"]
    assert batch.grid(1) == [16, 32, 64, 128]


@pytest.mark.parametrize("spec, message", [
    ({"name": "a", "type": "float", "low": 1, "high": 0}, "low (1) must be < high (0)"),
    ({"name": "a", "type": "float", "low": 0, "high": 1, "log": True}, "log: true needs low > 0"),
    ({"name": "a", "type": "int", "low": 0.5, "high": 3}, "low must be an integer"),
    ({"name": "a", "type": "int", "low": 0, "high": 9, "log": True}, "needs low >= 1"),
    ({"name": "a", "type": "categorical", "choices": []}, "non-empty list"),
    ({"name": "a", "type": "ordinal", "values": [1, 1]}, "must be distinct"),
    ({"name": "a", "type": "complex"}, "unknown type"),
])
def test_bad_space_is_one_clear_line(spec, message):
    with pytest.raises(ConfigError) as err:
        Config({"space": [spec], "optimizer": {"name": "random"}})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_config_keys():
    base = {"space": MIXED_SPACE[:1], "optimizer": {"name": "random"}}
    for change, message in [({"name": "sgd"}, "optimizer.name"),
                            ({"on_failure": "x"}, "on_failure"),
                            ({"batch": -1}, "optimizer.batch"),
                            ({"name": "ga", "options": {"pop": 3}}, "unknown for ga: pop")]:
        cfg = dict(base, optimizer={**base["optimizer"], **change})
        with pytest.raises(ConfigError, match=message):
            host.build(Config(cfg))
    with pytest.raises(ConfigError, match="pareto needs optimizer nsga2"):
        Config(dict(base, optimizer={"name": "tpe"}, multi={"mode": "pareto"},
                    objectives=[{"metric": "a"}, {"metric": "b", "goal": "maximize"}]))


def test_host_turns_a_bad_config_into_one_abort_line():
    bridge.reset()
    host.main(json.dumps({"space": [{"name": "a", "type": "float", "low": 2, "high": 1}],
                          "optimizer": {"name": "random"}}))
    message = bridge.engine_get(timeout=5)
    assert message["type"] == "abort"
    assert message["message"] == "eqpy: space.a: low (2) must be < high (1)"
    host.main("{not json")
    message = bridge.engine_get(timeout=5)
    assert message["type"] == "abort" and "Traceback" in message["message"]


def test_check_reports_without_running():
    good = {"space": MIXED_SPACE, "optimizer": {"name": "ga", "options": {"population": 8}}}
    assert host.check(json.dumps(good)) == ""
    bad = {"space": MIXED_SPACE, "optimizer": {"name": "ga", "options": {"pop": 8}}}
    assert host.check(json.dumps(bad)).startswith("eqpy: optimizer.options: unknown for ga: pop")


def test_check_report_names_the_yaml_key_of_a_bad_option_and_accepts_hang_timeout():
    bad = {"space": MIXED_SPACE, "optimizer": {"name": "tpe", "options": {"n_startupp": 3}}}
    report = host.check_report(json.dumps(bad))
    assert report["key"] == "optimizer.options.n_startupp"
    assert report["what"].startswith("unknown for tpe: n_startupp (known: ")
    ok = {"space": MIXED_SPACE, "optimizer": {"name": "tpe", "options": {"hang_timeout": 10}}}
    assert host.check_report(json.dumps(ok)) is None
