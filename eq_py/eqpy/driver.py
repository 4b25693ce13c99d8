"""The search loop between an ask/tell optimizer and the engine (PROTOCOL.md).

Streaming (batch 0): ``workers`` points in flight from the start, one more as each result arrives
(the optimizer is told the result first), until ``max_evals`` points have been proposed; then wait
for the last results. Batch N: propose N, wait for all N, tell them in proposal order (so the
optimizer's state does not depend on which worker finished first), propose the next N.

Either way the search ends when the budget is spent, when the optimizer is exhausted (grid) with
nothing in flight, or at once when the engine sends ``stop``; it then sends ``done`` with the best
result (and the Pareto front when there are several objectives). An optimizer that has nothing to
propose right now (a generational GA waiting for its generation) is asked again after each result,
so a streaming search never stalls on it.
"""
import math


class Driver:
    """Runs one search; ``run()`` returns once ``done`` has been sent."""

    def __init__(self, optimizer, exchange, scorer, history, workers=1, batch=0, max_evals=None):
        self.optimizer = optimizer
        self.exchange = exchange
        self.scorer = scorer
        self.history = history
        self.workers = max(int(workers), 1)
        self.batch = int(batch)
        self.max_evals = max_evals
        self.proposed = 0
        self.in_flight = set()
        self.best_told = math.inf

    def run(self):
        if self.batch > 0:
            self._run_batches()
        else:
            self._run_streaming()
        multi = len(self.scorer.metrics) > 1
        self.exchange.event("log", {"optimizer": self.optimizer.state(), "proposed": self.proposed,
                                    "stopped": self.exchange.stopped})
        self.exchange.done(self.history.best(), self.history.pareto() if multi else None)

    def _run_streaming(self):
        self._propose(self.workers)
        while self.in_flight:
            delivery = self.exchange.next_result()
            if delivery is None:
                return  # stop
            self.in_flight.discard(delivery.seq)
            self._learn(delivery)
            self._propose(self.workers - len(self.in_flight))

    def _run_batches(self):
        while True:
            self._propose(self.batch)
            if not self.in_flight:
                return
            arrived = {}
            while self.in_flight:
                delivery = self.exchange.next_result()
                if delivery is None:
                    return
                if delivery.seq in self.in_flight:
                    self.in_flight.discard(delivery.seq)
                    arrived[delivery.seq] = delivery
                else:
                    self._learn(delivery)  # foreign: nothing to wait for
            # The batch was learnt in the interrupted run only if its last result was replayed.
            for seq in sorted(arrived):
                self._learn(arrived[seq], replayed=delivery.replayed)

    def _propose(self, n):
        if self.max_evals is not None:
            n = min(n, self.max_evals - self.proposed)
        if n <= 0:
            return 0
        points = self.optimizer.ask(n)
        self.in_flight.update(self.exchange.submit(points))
        self.proposed += len(points)
        return len(points)

    def _learn(self, delivery, replayed=None):
        """Records the result, then tells the optimizer what the failure policy says. ``replayed``:
        whether the interrupted run had learnt it already (then its events are not sent again)."""
        replayed = delivery.replayed if replayed is None else replayed
        params = delivery.params
        self.history.add(delivery.result, params)
        value, ok = self.scorer.feedback(delivery.result)
        if delivery.seq is None:
            space = self.optimizer.space
            if not all(name in params for name in space.names):
                return  # a foreign result outside our space: recorded, not learnt from
            params = {name: params[name] for name in space.names}
            if not space.contains(params):
                return
        steps = delivery.result.get("pruned")  # a pruned trial: its [[epoch, value], ...]
        if steps is not None and ok:
            sign = 1.0 if self.scorer.vector else self.scorer.signs[0]
            self.optimizer.tell_pruned(params, value, [(e, sign * v) for e, v in steps])
        else:
            self.optimizer.tell(params, value, ok)
        if ok and steps is None and not self.scorer.vector and value < self.best_told:
            self.best_told = value
            self.exchange.event("best", {"id": delivery.result.get("id"), "params": params,
                                         "objective": self.scorer.signs[0] * value,
                                         "evaluations": len(self.history.records)},
                                 replayed=replayed)
