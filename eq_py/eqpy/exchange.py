"""The optimizer's side of the conversation with the engine, replay included.

Restart works by re-running the search from the start: the same optimizer (same seed) makes the
same ask/tell calls, but results come from ``replay`` (the results of the interrupted run, in their
original order) until it runs out, and points proposed meanwhile are not sent, because the engine
already has them. Since the optimizer is deterministic given the order of calls, it ends up
exactly where the interrupted run was, and its next proposals are the ones that run would have
made.

"Already has them" covers every point proposed before the first live result is awaited, including
those proposed right after the last replayed result: the interrupted run sent those before it could
receive anything more. Points without a replayed result were pending or running at the
interruption; the engine runs them again and their results arrive as usual. In case some never
reached the engine's store (an interruption right after they were sent), they are sent once more
with ``"resend": true``: the engine skips the ones it has, by their proposal number.

Points carry the tag ``{"seq": k}`` (k = 1, 2, ... in proposal order); results are matched to
proposals by that tag, or failing that by their parameters. A result matching no proposal (a
replay recorded by other code or another seed) is still delivered, as "foreign", so nothing is
lost.
"""
import collections
import json

from . import bridge
from .space import canonical


class Delivery:
    """One result, matched: seq (None when foreign), the params as proposed, the message."""

    __slots__ = ("seq", "params", "result", "replayed")

    def __init__(self, seq, params, result, replayed):
        self.seq, self.params, self.result, self.replayed = seq, params, result, replayed


class Exchange:
    """Sends points, events and the final message; receives results (replay first) and stop."""

    def __init__(self, replay=(), send=None, receive=None):
        self._send = send or bridge.send
        self._receive = receive or bridge.receive
        self.replay = collections.deque(replay)
        self.live = not self.replay
        self.seq = 0
        self.outstanding = {}   # seq -> params of proposals without a result yet
        self.stopped = None     # the engine's stop reason, once it sent stop
        self.finished = False

    def submit(self, points):
        """Numbers the points and sends them (while replaying: only numbers them)."""
        seqs, out = [], []
        for params in points:
            self.seq += 1
            self.outstanding[self.seq] = params
            seqs.append(self.seq)
            out.append({"params": params, "tag": {"seq": self.seq}})
        if out and self.live:
            self._send({"type": "points", "points": out})
        return seqs

    def next_result(self):
        """The next result as a Delivery, or None once the engine sent stop."""
        if self.stopped is not None:
            return None
        if not self.live:
            if self.replay:
                return self._match(self.replay.popleft(), replayed=True)
            self.live = True
            if self.outstanding:
                self._send({"type": "points", "resend": True,
                            "points": [{"params": p, "tag": {"seq": k}}
                                       for k, p in sorted(self.outstanding.items())]})
        while True:
            message = self._receive()
            kind = message.get("type")
            if kind == "result":
                return self._match(message, replayed=False)
            if kind == "stop":
                self.stopped = message.get("reason") or "stop"
                return None
            # Anything else is not for us; keep waiting rather than die on it.

    def event(self, kind, message, replayed=False):
        """An event for the store; one caused by a replayed result is not sent again (the
        interrupted run sent it)."""
        if not replayed:
            text = message if isinstance(message, str) else json.dumps(message)
            self._send({"type": "event", "kind": kind, "message": text})

    def done(self, best=None, pareto=None):
        if not self.finished:
            self.finished = True
            self._send({"type": "done", "best": best, "pareto": pareto})

    def abort(self, text):
        if not self.finished:
            self.finished = True
            self._send({"type": "abort", "message": text})

    def _match(self, message, replayed):
        params = message.get("params")
        tag = message.get("tag")
        seq = tag.get("seq") if isinstance(tag, dict) else None
        if seq in self.outstanding and _agrees(self.outstanding[seq], params):
            return Delivery(seq, self.outstanding.pop(seq), message, replayed)
        if isinstance(params, dict):
            for k, mine in self.outstanding.items():
                if _agrees(mine, params):
                    return Delivery(k, self.outstanding.pop(k), message, replayed)
        return Delivery(None, params if isinstance(params, dict) else {}, message, replayed)


def _agrees(mine, theirs):
    """The engine may add keys (model defaults) but must not change the ones we sent."""
    if theirs is None:
        return True
    if not isinstance(theirs, dict):
        return False
    return all(name in theirs and canonical(theirs[name]) == canonical(v)
               for name, v in mine.items())
