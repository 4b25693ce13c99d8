"""EQ/Py: the queue API an EMEWS model-exploration (ME) algorithm is written against.

Same names and behaviour as EMEWS's ``eqpy.py`` (github.com/emews/EQ-Py), so an ME algorithm
written for EMEWS runs unchanged: it calls ``eqpy.OUT_put(text)`` and ``eqpy.IN_get()`` from its
``run()``; the other side (Swift/T in EMEWS, ``eqpy.emews`` here) calls ``init(pkg)``,
``output_q_get()`` and ``input_q.put(text)``. One difference, on purpose: when ``run()`` raises,
the runner thread itself puts ``EQPY_ABORT`` and then the traceback text on ``output_q`` at once,
instead of the reader only finding out after its next (4-60 s) timeout. The reader's old fallback
(thread dead and queue empty -> ``EQPY_ABORT``, then the traceback or "Exited normally") is kept.

A second difference: when the supervisor ends a search (a budget stop) while the algorithm waits in
``IN_get()``, that call raises ``EqpyStop``, a ``BaseException`` (like ``SystemExit``, so an
algorithm's ``except Exception`` does not catch it), and the runner treats it as a normal end.
Upstream EMEWS never answers a waiting ``IN_get()`` at all (the thread dies with the process); a
text such as ``EQPY_ABORT`` would instead be parsed by the algorithm as results and kill it with a
traceback nobody reads.

The supervisor's own optimizers and host live in the submodules (``eqpy.host.main`` is what the
C++ engine calls); importing this package imports none of them, so it stays cheap.
"""
import importlib
import queue as q
import threading
import traceback

EQPY_ABORT = "EQPY_ABORT"


class EqpyStop(BaseException):
    """Raised by IN_get() once the supervisor has ended the search: the algorithm's thread ends."""


_STOP = object()  # put on input_q by the supervisor's side to raise EqpyStop in a waiting IN_get

input_q = q.Queue()
output_q = q.Queue()

p = None
aborted = False
wait_info = None


class WaitInfo:
    """EMEWS's growing wait between liveness checks; kept for algorithms or readers that use it."""

    def __init__(self):
        self.wait = 4

    def getWait(self):  # noqa: N802 - EMEWS's name
        if self.wait < 60:
            self.wait += 1
        return self.wait


class ThreadRunner(threading.Thread):
    """Runs ``runnable.run()`` on its own thread; an exception becomes EQPY_ABORT + traceback.

    The runner keeps the queues that were current when it was made, and OUT_put / IN_get called
    on its thread use those: an algorithm left over from an earlier search (after ``reset()``)
    can then never write into, or read from, the next search's queues."""

    def __init__(self, runnable):
        threading.Thread.__init__(self, name="eqpy-me-algorithm", daemon=True)
        self.runnable = runnable
        self.exc = "Exited normally"
        self.eqpy_queues = (input_q, output_q)
        self.in_get_waiting = False  # blocked in IN_get (read by the supervisor's side)

    def run(self):
        try:
            self.runnable.run()
        except EqpyStop:
            self.exc = "Stopped by the supervisor"
        except BaseException:  # noqa: B902 - as EMEWS: anything that ends run() is reported
            self.exc = traceback.format_exc()
            self.eqpy_queues[1].put(EQPY_ABORT)
            self.eqpy_queues[1].put(self.exc)


def _queues():
    """(input_q, output_q) for the calling thread: its runner's, or the module's."""
    return getattr(threading.current_thread(), "eqpy_queues", None) or (input_q, output_q)


def reset():
    """Fresh queues and no runner: each search starts clean, and a thread left blocked in
    ``IN_get`` by an earlier search keeps waiting on its old queue instead of stealing messages."""
    global input_q, output_q, p, aborted, wait_info
    input_q = q.Queue()
    output_q = q.Queue()
    p = None
    aborted = False
    wait_info = None


def init(pkg):
    """Imports the ME algorithm's module ``pkg`` and starts its ``run()`` on its own thread."""
    global p, wait_info
    wait_info = WaitInfo()
    imported_pkg = importlib.import_module(pkg) if isinstance(pkg, str) else pkg
    p = ThreadRunner(imported_pkg)
    p.start()
    return p


def output_q_get(timeout=None):
    """The algorithm's next message. When its thread has ended with nothing left on the queue:
    ``EQPY_ABORT`` the first time, the traceback (or "Exited normally") after that, as in EMEWS.

    ``timeout`` (not in EMEWS) bounds each wait between liveness checks; default as EMEWS."""
    global aborted
    wait = timeout if timeout is not None else wait_info.getWait()
    while p.is_alive() or not output_q.empty():
        try:
            return output_q.get(True, wait)
        except q.Empty:
            pass
    result = p.exc if aborted else EQPY_ABORT
    aborted = True
    return result


def OUT_put(string_params):  # noqa: N802 - EMEWS's name
    """ME algorithm -> the other side (never blocks)."""
    _queues()[1].put(string_params)


def IN_get():  # noqa: N802 - EMEWS's name
    """The other side -> ME algorithm; blocks until a message arrives. Raises EqpyStop once the
    supervisor has ended the search."""
    me = threading.current_thread()
    waiting = hasattr(me, "in_get_waiting")
    if waiting:
        me.in_get_waiting = True
    try:
        message = _queues()[0].get()
    finally:
        if waiting:
            me.in_get_waiting = False
    if message is _STOP:
        _queues()[0].put(_STOP)  # an algorithm that catches it and asks again gets it again
        raise EqpyStop()
    return message


def stop(runner=None):
    """The supervisor's side: a waiting (or the next) IN_get of ``runner`` raises EqpyStop."""
    runner = runner or p
    if runner is not None:
        runner.eqpy_queues[0].put(_STOP)
