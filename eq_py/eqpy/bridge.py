"""The two queues between the optimizer and the engine (PROTOCOL.md).

Inside the supervisor the C++ engine registers the builtin module ``_sv_eq`` (``out_put`` never
blocks, ``in_get`` blocks with the GIL released). Anywhere else this module falls back to two
``queue.Queue`` objects, and the ``engine_*`` helpers let a test play the engine: it reads what the
optimizer sent, answers, and can wait until the optimizer is idle (blocked in ``in_get`` with
nothing to read) so that a fake engine can run in deterministic lockstep.
"""
import json
import queue
import threading
import time

try:  # pragma: no cover - only inside the supervisor
    import _sv_eq  # noqa: F401
except ImportError:
    _sv_eq = None


class _Fallback:
    """In-process stand-in for the C++ queues, with the bookkeeping needed to detect idleness."""

    def __init__(self):
        self.to_engine = queue.Queue()
        self.to_optimizer = queue.Queue()
        self.cond = threading.Condition()
        self.sent = 0       # messages the engine put for the optimizer
        self.taken = 0      # messages the optimizer has taken
        self.waiting = False

    def in_get(self):
        with self.cond:
            self.waiting = True
            self.cond.notify_all()
        message = self.to_optimizer.get()
        with self.cond:
            self.waiting = False
            self.taken += 1
        return message

    def out_put(self, text):
        self.to_engine.put(text)
        with self.cond:
            self.cond.notify_all()

    def engine_put(self, text):
        with self.cond:
            self.sent += 1
        self.to_optimizer.put(text)

    def idle(self):
        """Blocked in in_get with every message already taken (call with cond held)."""
        return self.waiting and self.taken == self.sent


_fallback = _Fallback()


def connected():
    """True inside the supervisor (the engine's ``_sv_eq`` is there)."""
    return _sv_eq is not None


def out_put(text):
    """Optimizer -> engine; never blocks."""
    if _sv_eq is not None:
        _sv_eq.out_put(text)
    else:
        _fallback.out_put(text)


def in_get():
    """Engine -> optimizer; blocks until a message arrives."""
    if _sv_eq is not None:
        return _sv_eq.in_get()
    return _fallback.in_get()


def send(message):
    """Sends one protocol message (a dict) as JSON text."""
    out_put(json.dumps(message, allow_nan=True))


def receive():
    """Blocks for the next protocol message from the engine; returns it as a dict. A queue the
    engine has closed (``in_get`` raises EOFError: the campaign is ending) reads as a stop."""
    try:
        text = in_get()
    except EOFError:
        return {"type": "stop", "reason": "closed"}
    try:
        message = json.loads(text)
    except ValueError:
        return {"type": "invalid", "text": text}
    return message if isinstance(message, dict) else {"type": "invalid", "text": text}


# ---- test helpers: pytest (or a benchmark) plays the engine through these ----------------------

def reset():
    """Fresh fallback queues, so a test starts from nothing (a thread still blocked in in_get
    keeps waiting on the old queue and cannot steal the new test's messages)."""
    global _fallback
    _fallback = _Fallback()


def engine_put(message):
    """Engine -> optimizer (a dict is sent as JSON text)."""
    _fallback.engine_put(message if isinstance(message, str) else json.dumps(message))


def engine_get(timeout=None):
    """The optimizer's next message as a dict; queue.Empty after timeout seconds."""
    return json.loads(_fallback.to_engine.get(timeout=timeout))


def engine_pending():
    """Messages the optimizer has sent that the engine has not read yet."""
    return _fallback.to_engine.qsize()


def engine_wait_idle(thread=None, timeout=30.0):
    """Waits until the optimizer is blocked in in_get with nothing to read, or ``thread`` ended.

    Returns "idle" or "ended"; raises TimeoutError when neither happens in time."""
    fb = _fallback
    end = None if timeout is None else time.monotonic() + timeout
    with fb.cond:
        while True:
            if fb.idle():
                return "idle"
            if thread is not None and not thread.is_alive():
                return "ended"
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError("the optimizer neither waited for a message nor ended")
            # Short waits: a thread's end is not signalled through cond.
            fb.cond.wait(0.02 if left is None else min(0.02, left))
