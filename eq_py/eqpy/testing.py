"""A deterministic fake engine: runs ``eqpy.host.main`` on a thread, as the C++ engine does, and
plays the engine's side of PROTOCOL.md through bridge's in-process queues.

Why lockstep: after each message it sends, the fake waits until the optimizer is idle again
(blocked in ``in_get`` with nothing to read) before it looks at what came back. So the order in
which results reach the optimizer never depends on thread timing, and a test can demand that the
same seed gives the same proposals even in streaming mode with several workers.

Completion order: ``"fifo"`` (oldest point first) or ``"random"`` (a simulated clock: each point
takes a pseudo-random duration fixed by the engine seed and its id, and the earliest to finish
completes next), so out-of-order arrivals are exercised deterministically.
"""
import json
import random
import threading

from . import bridge, host


class FakeEngine:
    """evaluate(params) -> a number, or a dict metric -> number; raising means a failed evaluation.

    ``stop_after``: send ``stop`` after that many results. ``crash_after``: after that many results
    (and the optimizer's reaction to the last one), end the optimizer with ``stop`` and keep a
    snapshot from which ``FakeEngine(..., resume=snapshot)`` continues with a restarted optimizer,
    as a restarted engine would (replay = the results so far; in-flight points run again)."""

    def __init__(self, config, evaluate, order="fifo", seed=0, stop_after=None, crash_after=None,
                 resume=None, timeout=30.0):
        self.config = dict(config)
        self.evaluate = evaluate
        self.order = order
        self.seed = seed
        self.stop_after = stop_after
        self.crash_after = crash_after
        self.timeout = timeout
        objectives = self.config.get("objectives") or [{"metric": "objective"}]
        self.metrics = [o["metric"] for o in objectives]
        self.points = []        # (id, params, tag) in the order received
        self.results = []       # result messages sent, in order
        self.events = []        # event messages received
        self.messages = []      # every message received
        self.arrivals = []      # per points message: (results sent before it, number of points)
        self.resent = []        # points messages with resend: true
        self.done = None
        self.abort = None
        self.snapshot = None
        self.now = 0.0
        self.in_flight = {}     # id -> (params, tag, finish time)
        if resume is not None:
            self.points = list(resume["points"])
            self.results = list(resume["results"])
            self.now = resume["now"]
            self.in_flight = {k: tuple(v) for k, v in resume["in_flight"].items()}
            self.config["replay"] = list(resume["results"])
        self._first_new = len(self.points)

    @property
    def new_points(self):
        """Params of the points this engine received (not those carried over by resume)."""
        return [p for _, p, _ in self.points[self._first_new:]]

    def run(self):
        bridge.reset()
        thread = threading.Thread(target=host.main, args=(json.dumps(self.config),), daemon=True)
        thread.start()
        stop_sent = False
        while True:
            state = bridge.engine_wait_idle(thread, timeout=self.timeout)
            self._drain()
            if self.done is not None or self.abort is not None:
                break
            if state == "ended":
                raise AssertionError("the optimizer returned without done or abort")
            if self.crash_after is not None and len(self.results) >= self.crash_after:
                self.snapshot = {"points": list(self.points), "results": list(self.results),
                                 "now": self.now, "in_flight": dict(self.in_flight)}
                bridge.engine_put({"type": "stop", "reason": "crash"})
                stop_sent = True
                self.crash_after = None
                continue
            stop_due = self.stop_after is not None and len(self.results) >= self.stop_after
            if stop_due and not stop_sent:
                bridge.engine_put({"type": "stop", "reason": "max_evals"})
                stop_sent = True
                continue
            if stop_sent or not self.in_flight:
                raise AssertionError("deadlock: the optimizer waits but nothing is in flight")
            bridge.engine_put(self._complete_next())
        thread.join(self.timeout)
        return self

    def _drain(self):
        while bridge.engine_pending():
            message = bridge.engine_get(timeout=1)
            self.messages.append(message)
            kind = message.get("type")
            if kind == "points" and message.get("resend"):
                self.resent.append(message)
                known = {node for node, _, _ in self.points}
                for point in message["points"]:  # skip what we have; add the rest as node "seq"
                    node = str(point["tag"]["seq"])
                    if node not in known:
                        self.points.append((node, point["params"], point["tag"]))
                        finish = self.now + self._duration(int(node))
                        self.in_flight[node] = (point["params"], point["tag"], finish)
            elif kind == "points":
                self.arrivals.append((len(self.results), len(message["points"])))
                for point in message["points"]:
                    node = len(self.points) + 1
                    self.points.append((str(node), point["params"], point.get("tag")))
                    finish = self.now + self._duration(node)
                    self.in_flight[str(node)] = (point["params"], point.get("tag"), finish)
            elif kind == "event":
                self.events.append(message)
            elif kind == "done":
                self.done = message
            elif kind == "abort":
                self.abort = message

    def _duration(self, node):
        if self.order == "fifo":
            return 0.0
        return random.Random(f"{self.seed}:{node}").uniform(1.0, 10.0)

    def _complete_next(self):
        node = min(self.in_flight, key=lambda k: (self.in_flight[k][2], int(k)))
        params, tag, finish = self.in_flight.pop(node)
        self.now = max(self.now, finish)
        message = {"type": "result", "id": node, "params": params, "tag": tag, "ok": True,
                   "objective": None, "objectives": {}, "error": ""}
        try:
            value = self.evaluate(params)
        except Exception as err:  # noqa: BLE001 - a failing model is part of what is tested
            message.update(ok=False, error=f"{type(err).__name__}: {err}")
        else:
            values = value if isinstance(value, dict) else {self.metrics[0]: value}
            message["objectives"] = values
            message["objective"] = values.get(self.metrics[0])
        self.results.append(message)
        return message


# A space with every parameter type (and JSON choices that == would confuse: 1, 1.0, true).
MIXED_SPACE = [
    {"name": "lr", "type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    {"name": "drop", "type": "float", "low": 0.0, "high": 0.5},
    {"name": "layers", "type": "int", "low": 1, "high": 4},
    {"name": "units", "type": "int", "low": 8, "high": 512, "log": True},
    {"name": "act", "type": "categorical",
     "choices": ["relu", 1, 1.0, True, None, [64, 32], {"k": 3}]},
    {"name": "batch", "type": "ordinal", "values": [16, 32, 64, 128]},
]


def mixed_objective(p):
    """A cheap function of every MIXED_SPACE parameter, best near lr=1e-2, drop=0.1, layers=3,
    units=64, act="relu", batch=32."""
    import math
    act = {"relu": 0.0}.get(p["act"], 0.5) if isinstance(p["act"], str) else 0.5
    return ((math.log10(p["lr"]) + 2) ** 2 + (p["drop"] - 0.1) ** 2 * 4
            + (p["layers"] - 3) ** 2 * 0.3 + (math.log2(p["units"]) - 6) ** 2 * 0.1 + act
            + abs(math.log2(p["batch"]) - 5) * 0.2)
