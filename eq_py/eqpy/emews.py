"""``optimizer.name: emews``: an unchanged EMEWS ME algorithm, with this adapter playing the part
Swift/T plays in EMEWS (CANDLE's GA and mlrMBO workflows follow the same conversation).

The algorithm's ``run()`` runs on its own thread (``eqpy.init``) and talks through
``eqpy.OUT_put`` / ``eqpy.IN_get``. What it puts out is read as:

- ``Params``, ``Settings`` or an empty string: answered with ``optimizer.settings`` (a string
  verbatim, anything else as JSON text). Swift/T answers an algorithm's first message with its
  settings whatever it says, and some algorithms put ``""`` for it. An algorithm that instead waits
  in ``IN_get()`` for settings pushed before it asks needs ``optimizer.options.push_settings: true``
  (the settings are then put on its queue at start); without it the adapter sees both sides waiting
  and aborts with a line that says so;
- ``DONE`` or ``FINAL``: the search is over; every later message (best point, final population,
  logs) becomes an ``event`` of kind ``final`` until the thread ends, then ``done`` is sent;
- ``EQPY_ABORT`` (its thread died): the next message is the traceback, sent as ``abort``;
- anything else: a batch of points joined by ``;`` (or one JSON / Python list of them). Each point
  is a JSON object, a Python dict literal (read with ``ast.literal_eval``, never ``eval``), a JSON
  or Python list read positionally against ``space``, comma-separated values in the order of the
  ``space:`` keys (``1,9,2,8;5,5,5,5``), or, for a one-parameter space, a bare value. The
  points go to the engine; once all their results are in, the algorithm gets the objective values
  joined by ``optimizer.options.result_separator`` (default ``;``) in the same order: ``NaN`` for a failed evaluation (whatever ``on_failure``
  says: the algorithm applies its own policy, as CANDLE's GA turns NaN into a large value), the
  weighted scalar with ``multi.mode: weighted``, a JSON list of every objective with ``pareto``.

If the engine sends ``stop`` while a batch is out, ``done`` is sent at once; an algorithm left
blocked in ``IN_get`` (stop, or an unreadable message) gets ``eqpy.EqpyStop`` raised there, which
ends its thread quietly (no traceback, no abort).
"""
import ast
import importlib
import json
import queue
import sys

import eqpy

from .config import ConfigError

POLL_S = 0.05          # how often a silent algorithm thread is checked for being alive
FINAL_IDLE_S = 60.0    # after DONE: give up waiting for more messages from a live, silent thread
DEADLOCK_S = 1.0       # both sides waiting this long (the algorithm in IN_get) is a deadlock
OPTIONS = {"push_settings": False, "result_separator": ";"}  # and hang_timeout, read by config.py


class EmewsError(RuntimeError):
    """The ME algorithm said something the adapter cannot read."""


class Adapter:
    """Runs one EMEWS algorithm against the engine."""

    def __init__(self, cfg, exchange, scorer, history):
        self.cfg = cfg
        self.exchange = exchange
        self.scorer = scorer
        self.history = history
        self.runner = None

    def run(self):
        module = self._import()
        eqpy.reset()
        self.out_q, self.in_q = eqpy.output_q, eqpy.input_q
        if self.cfg.options.get("push_settings"):
            self.in_q.put(self._settings())  # what Swift/T's EQPy_put does right after init
        self.runner = eqpy.init(module)
        try:
            self._converse()
        finally:
            if self.runner.is_alive():  # stopped or failed mid-conversation: end its IN_get quietly
                eqpy.stop(self.runner)

    def _converse(self):
        while True:
            message = self._next()
            if message is None:           # run() returned without DONE: the search is over
                return self._finish()
            if message == eqpy.EQPY_ABORT:
                return self._abort()
            text = message.strip() if isinstance(message, str) else message
            if text in ("Params", "Settings", ""):
                self.in_q.put(self._settings())
            elif text in ("DONE", "FINAL"):
                return self._final()
            else:
                answer = self._evaluate(self._points(message))
                if answer is None:        # the engine sent stop
                    return self._finish()
                self.in_q.put(answer)

    # ---- pieces ------------------------------------------------------------------------------

    def _import(self):
        for folder in reversed(self.cfg.path):
            if folder not in sys.path:
                sys.path.insert(0, folder)
        sys.modules.pop(self.cfg.module, None)  # fresh module globals for each search
        module = importlib.import_module(self.cfg.module)
        if not callable(getattr(module, "run", None)):
            raise ConfigError(f"optimizer.module: {self.cfg.module} has no run() function")
        return module

    def _next(self, idle_limit=None):
        """The algorithm's next message; None once its thread has ended with nothing left to read
        (or, with idle_limit, after that many seconds of silence or once it waits in IN_get). An
        algorithm waiting in IN_get while nothing is queued for it, before DONE, is a deadlock:
        EmewsError."""
        waited = deadlocked = 0.0
        while True:
            try:
                return self.out_q.get(timeout=POLL_S)
            except queue.Empty:
                if not self.runner.is_alive() and self.out_q.empty():
                    return None
                waited += POLL_S
                if idle_limit is not None and waited >= idle_limit:
                    return None
                stuck = self.runner.in_get_waiting and self.in_q.empty() and self.out_q.empty()
                deadlocked = deadlocked + POLL_S if stuck else 0.0
                if deadlocked >= DEADLOCK_S and idle_limit is not None:
                    return None  # after DONE: it waits for nothing more to do; the search is over
                if deadlocked >= DEADLOCK_S:
                    hint = ("" if self.cfg.options.get("push_settings") else
                            " (an algorithm that waits for its settings before asking needs "
                            "optimizer.options.push_settings: true)")
                    raise EmewsError("emews: the algorithm waits in IN_get() while the supervisor "
                                     "waits for its next message: nothing can happen" + hint)

    def _settings(self):
        settings = self.cfg.settings
        if settings is None:
            raise ConfigError("optimizer.settings: the EMEWS algorithm asked for its "
                              "Params/Settings, but none are configured")
        return settings if isinstance(settings, str) else json.dumps(settings)

    def _points(self, message):
        """The batch in one message, as a list of parameter dicts."""
        text = message if isinstance(message, str) else str(message)
        whole = _literal(text)
        if isinstance(whole, (list, tuple)) and whole and all(isinstance(x, dict) for x in whole):
            items = list(whole)
        else:
            items = [self._point(part) for part in text.split(";") if part.strip()]
        if not items or any(item is None for item in items):
            raise EmewsError("emews: the algorithm sent a message that is none of Params, "
                             "Settings, DONE, FINAL or ';'-joined points (JSON objects, Python "
                             "dicts, lists or comma-separated values in the order of the space's "
                             f"keys {self.cfg.space.names}): {text[:300]!r}")
        return items

    def _point(self, part):
        """One point's text as a parameter dict, or None when it cannot be read as one."""
        names = self.cfg.space.names
        value = _literal(part)
        if isinstance(value, dict):
            return value
        if isinstance(value, (list, tuple)):
            return dict(zip(names, value)) if names and len(value) == len(names) else None
        tokens = part.split(",")
        if not names or len(tokens) != len(names):  # a bare value is one token: one parameter
            return None
        point = {}
        for name, token in zip(names, tokens):
            v = _literal(token)
            if v is _UNREADABLE and self._is_choice(name, token.strip()):
                v = token.strip()  # a bare word names a categorical choice
            if v is _UNREADABLE or isinstance(v, (dict, list, tuple)):
                return None
            point[name] = v
        return point

    def _is_choice(self, name, value):
        """A bare word is a value only where the space lists it (categorical / ordinal)."""
        param = self.cfg.space.params[self.cfg.space.names.index(name)]
        return value in [str(c) for c in getattr(param, "choices", None) or []]

    def _evaluate(self, points):
        """Sends the points, waits for all their results, returns the ';'-joined answer
        (None on stop)."""
        seqs = self.exchange.submit(points)
        wanted = set(seqs)
        got = {}
        while wanted - set(got):
            delivery = self.exchange.next_result()
            if delivery is None:
                return None
            self.history.add(delivery.result, delivery.params)
            raw = self.scorer.raw(delivery.result)
            if raw is not None:
                self.scorer.observe(raw)
            if delivery.seq in wanted:
                got[delivery.seq] = raw
        separator = self.cfg.options.get("result_separator", ";")
        return separator.join(self._format(got[s]) for s in seqs)

    def _format(self, raw):
        if raw is None:
            return "NaN"
        if self.scorer.vector:
            return json.dumps(raw)
        return repr(self.scorer.signs[0] * self.scorer.scalar(raw))

    def _final(self):
        while True:
            message = self._next(idle_limit=FINAL_IDLE_S)
            if message is None:
                return self._finish()
            if message == eqpy.EQPY_ABORT:
                return self._abort()
            self.exchange.event("final", message if isinstance(message, str) else repr(message))

    def _abort(self):
        text = self._next()
        if text is None or text == eqpy.EQPY_ABORT:
            text = getattr(self.runner, "exc", "") or "the EMEWS algorithm's thread died"
        self.exchange.abort(text)

    def _finish(self):
        multi = len(self.scorer.metrics) > 1
        pareto = self.history.pareto() if multi else None
        self.exchange.done(self.history.best(), pareto)


_UNREADABLE = object()


def _literal(text):
    """A point's text as a value: JSON first, then a Python literal (``ast.literal_eval`` evaluates
    no code), else _UNREADABLE."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNREADABLE


def check_options(options):
    """The emews adapter's options with their defaults, or ConfigError naming the bad one."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"optimizer.options: unknown for emews: {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(OPTIONS))})",
                          key=f"optimizer.options.{unknown[0]}")
    out = {**OPTIONS, **options}
    if not isinstance(out["push_settings"], bool):
        raise ConfigError("optimizer.options.push_settings: expected true or false",
                          key="optimizer.options.push_settings")
    sep = out["result_separator"]
    if not isinstance(sep, str) or not sep:
        raise ConfigError("optimizer.options.result_separator: expected a non-empty string "
                          "(e.g. ';' or ',')", key="optimizer.options.result_separator")
    return out


def run(cfg, exchange, scorer, history):
    """Runs the configured EMEWS algorithm to its end; sends done or abort."""
    Adapter(cfg, exchange, scorer, history).run()
