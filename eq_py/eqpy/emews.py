"""``optimizer.name: emews``: an unchanged EMEWS ME algorithm, with this adapter playing the part
Swift/T plays in EMEWS (CANDLE's GA and mlrMBO workflows follow the same conversation).

The algorithm's ``run()`` runs on its own thread (``eqpy.init``) and talks through
``eqpy.OUT_put`` / ``eqpy.IN_get``. What it puts out is read as:

- ``Params`` or ``Settings``: answered with ``optimizer.settings`` (a string verbatim, anything
  else as JSON text);
- ``DONE`` or ``FINAL``: the search is over; every later message (best point, final population,
  logs) becomes an ``event`` of kind ``final`` until the thread ends, then ``done`` is sent;
- ``EQPY_ABORT`` (its thread died): the next message is the traceback, sent as ``abort``;
- anything else: a batch of points, JSON objects joined by ``;`` (a JSON list of objects is
  accepted too, and a JSON array is read positionally against ``space`` when one is given). The
  points go to the engine; once all their results are in, the algorithm gets the objective values
  joined by ``;`` in the same order: ``NaN`` for a failed evaluation (whatever ``on_failure``
  says: the algorithm applies its own policy, as CANDLE's GA turns NaN into a large value), the
  weighted scalar with ``multi.mode: weighted``, a JSON list of every objective with ``pareto``.

If the engine sends ``stop`` while a batch is out, ``done`` is sent at once; an algorithm left
blocked in ``IN_get`` (stop, or an unreadable message) receives ``EQPY_ABORT`` so its thread can
end.
"""
import importlib
import json
import queue
import sys

import eqpy

from .config import ConfigError

POLL_S = 0.05          # how often a silent algorithm thread is checked for being alive
FINAL_IDLE_S = 60.0    # after DONE: give up waiting for more messages from a live, silent thread


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
        self.runner = eqpy.init(module)
        try:
            self._converse()
        finally:
            if self.runner.is_alive():  # stopped or failed mid-conversation: let its IN_get return
                self.in_q.put(eqpy.EQPY_ABORT)

    def _converse(self):
        while True:
            message = self._next()
            if message is None:           # run() returned without DONE: the search is over
                return self._finish()
            if message == eqpy.EQPY_ABORT:
                return self._abort()
            text = message.strip() if isinstance(message, str) else message
            if text in ("Params", "Settings"):
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
        (or, with idle_limit, after that many seconds of silence)."""
        waited = 0.0
        while True:
            try:
                return self.out_q.get(timeout=POLL_S)
            except queue.Empty:
                if not self.runner.is_alive() and self.out_q.empty():
                    return None
                waited += POLL_S
                if idle_limit is not None and waited >= idle_limit:
                    return None

    def _settings(self):
        settings = self.cfg.settings
        if settings is None:
            raise ConfigError("optimizer.settings: the EMEWS algorithm asked for its "
                              "Params/Settings, but none are configured")
        return settings if isinstance(settings, str) else json.dumps(settings)

    def _points(self, message):
        """The batch in one message, as a list of parameter dicts."""
        text = message if isinstance(message, str) else str(message)
        try:
            whole = json.loads(text)
            listed = isinstance(whole, list) and whole and all(isinstance(x, dict) for x in whole)
            items = whole if listed else None
        except ValueError:
            items = None
        if items is None:
            try:
                items = [json.loads(part) for part in text.split(";") if part.strip()]
            except ValueError:
                items = None
        points = []
        names = self.cfg.space.names
        for item in items or [None]:
            if isinstance(item, dict):
                points.append(item)
            elif isinstance(item, list) and names and len(item) == len(names):
                points.append(dict(zip(names, item)))
            else:
                raise EmewsError("emews: the algorithm sent a message that is none of Params, "
                                 "Settings, DONE, FINAL or ';'-joined JSON objects: "
                                 f"{text[:300]!r}")
        return points

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
        return ";".join(self._format(got[s]) for s in seqs)

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


def run(cfg, exchange, scorer, history):
    """Runs the configured EMEWS algorithm to its end; sends done or abort."""
    Adapter(cfg, exchange, scorer, history).run()
