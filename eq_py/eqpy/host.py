"""What the C++ engine calls: ``eqpy.host.main(config_json)`` on the optimizer's thread.

It builds the optimizer named in the config, replays a restarted run's results into it, drives the
search (driver.py, or emews.py for an EMEWS algorithm) and returns after sending ``done``. It
never raises: a bad config ends in ``abort`` with one line naming the key; anything else in
``abort`` with the traceback text, so the campaign stops and shows why.
"""
import traceback

from . import bridge
from .config import Config, ConfigError
from .driver import Driver
from .exchange import Exchange
from .objectives import History, Scorer
from .optimizer import make_optimizer


def build(cfg, exchange=None):
    """(runner, scorer, history) for a Config; ``runner()`` performs the whole search."""
    exchange = exchange or Exchange(cfg.replay)
    scorer = Scorer(cfg.objectives, cfg.multi, cfg.on_failure)
    history = History(scorer)
    if cfg.name == "emews":
        from . import emews
        return (lambda: emews.run(cfg, exchange, scorer, history)), scorer, history
    optimizer = make_optimizer(cfg.name, cfg.space, seed=cfg.seed, options=cfg.options,
                               batch=cfg.batch,
                               n_objectives=len(cfg.objectives) if scorer.vector else 1)
    driver = Driver(optimizer, exchange, scorer, history, workers=cfg.workers, batch=cfg.batch,
                    max_evals=cfg.max_evals)
    return driver.run, scorer, history


def main(config_json):
    """Runs one search to its end. Returns None; never raises."""
    try:
        cfg = Config(config_json)
        runner, _, _ = build(cfg)
        runner()
    except ConfigError as err:
        _abort(f"eqpy: {err}")
    except BaseException:  # noqa: B902 - the engine's thread gets a message, never an exception
        _abort(traceback.format_exc())
    return None


def check(config_json):
    """"" when the config is usable, else the one-line reason (for ``supervisor validate``: it
    catches unknown optimizer options without running anything). Never raises."""
    try:
        cfg = Config(config_json)
        if cfg.name == "emews":
            return ""
        build(cfg, Exchange(send=lambda message: None, receive=lambda: {"type": "stop"}))
        return ""
    except ConfigError as err:
        return f"eqpy: {err}"
    except BaseException as err:  # noqa: B902 - a check reports, it does not fail
        return f"eqpy: {type(err).__name__}: {err}"


def _abort(text):
    try:
        bridge.send({"type": "abort", "message": text})
    except BaseException:  # noqa: B902 - nothing more can be done for the engine
        pass
