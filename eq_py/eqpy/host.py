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
from .emews import EmewsError
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
    except EmewsError as err:  # the algorithm's side of the conversation went wrong: one line says how
        _abort(str(err))
    except BaseException:  # noqa: B902 - the engine's thread gets a message, never an exception
        _abort(traceback.format_exc())
    return None


def check(config_json):
    """"" when the config is usable, else the one-line reason. Never raises."""
    problem = check_report(config_json)
    return problem["message"] if problem else ""


def check_report(config_json):
    """None when the config is usable, else ``{"key": ..., "message": ...}``: the YAML key path the
    problem is about (``optimizer.options.n_startupp``) and the one-line reason, so ``supervisor
    validate`` (and ``submit``, ``run``) can name the line; ``what`` is the reason without the key. It builds the optimizer, as ``main``
    would, but runs nothing. Never raises."""
    try:
        cfg = Config(config_json)
        if cfg.name != "emews":  # an EMEWS algorithm's module runs code when imported: not here
            build(cfg, Exchange(send=lambda message: None, receive=lambda: {"type": "stop"}))
        return None
    except ConfigError as err:
        text = str(err)
        head, sep, rest = text.partition(": ")
        what = rest if sep and " " not in head else text  # the key is said by "key" already
        return {"key": err.key, "what": what, "message": f"eqpy: {text}"}
    except BaseException as err:  # noqa: B902 - a check reports, it does not fail
        what = f"{type(err).__name__}: {err}"
        return {"key": "optimizer", "what": what, "message": f"eqpy: {what}"}


def _abort(text):
    try:
        bridge.send({"type": "abort", "message": text})
    except BaseException:  # noqa: B902 - nothing more can be done for the engine
        pass
