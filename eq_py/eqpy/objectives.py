"""From result messages to the numbers optimizers learn from, and to the best point / Pareto front.

Every optimizer minimizes. A maximized objective is negated on the way in ("minimization sense")
and reported back in its own sense.

Several objectives, ``multi.mode: weighted``: the optimizer sees one scalar

    f = v + sum_k alpha_k * m_k

where v is the first objective and m_k the k-th secondary objective normalized to [0, 1] by the
smallest and largest values of it seen so far (0 = its best so far, 1 = its worst; 0 while they
are equal), all in minimization sense. With one secondary objective that is f = v + alpha * m.
``f`` is reported in the first objective's sense (v - alpha * m when it is maximized). Because the
normalization moves as results arrive, the value told for a result uses the range known at that
moment (deterministic given the order of results), and the final best is ranked with the final
range.

``multi.mode: pareto``: optimizers get the vector (nsga2); the front is every evaluation not
dominated by another.

Failures (``ok: false``, or a missing / non-finite objective): ``penalize`` and ``retry`` (the
engine already retried) tell the worst value seen so far plus the spread of values seen
(worst - best, or max(|worst|, 1) while that is 0); before any success there is nothing to scale a
penalty by, so the failure is told as failed without a value, exactly like ``ignore``.
"""
import math


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class Scorer:
    """Turns result messages into optimizer feedback; remembers the ranges seen so far."""

    def __init__(self, objectives, multi, on_failure="penalize"):
        self.metrics = [o["metric"] for o in objectives]
        self.signs = [1.0 if o["goal"] == "minimize" else -1.0 for o in objectives]
        self.mode = multi["mode"]
        self.alphas = multi["alphas"]
        self.on_failure = on_failure
        self.lo = [math.inf] * len(self.metrics)
        self.hi = [-math.inf] * len(self.metrics)
        self.told_lo = math.inf  # range of scalars told, for penalties
        self.told_hi = -math.inf

    @property
    def vector(self):
        """True when the optimizer gets one value per objective (pareto)."""
        return self.mode == "pareto"

    def raw(self, result):
        """The result's objective values in the user's own sense, or None when it failed."""
        if not result.get("ok", True):
            return None
        objectives = result.get("objectives")
        values = []
        for i, metric in enumerate(self.metrics):
            value = objectives.get(metric) if isinstance(objectives, dict) else None
            if value is None and i == 0:
                value = result.get("objective")
            if not _finite(value):
                return None
            values.append(float(value))
        return values

    def minimizing(self, raw):
        return [s * v for s, v in zip(self.signs, raw)]

    def scalar(self, raw):
        """f (above) in minimization sense, with the ranges known now."""
        y = self.minimizing(raw)
        if self.mode != "weighted":
            return y[0]
        f = y[0]
        for k in range(1, len(y)):
            span = self.hi[k] - self.lo[k]
            m = (y[k] - self.lo[k]) / span if span > 0 else 0.0
            f += self.alphas[k - 1] * min(max(m, 0.0), 1.0)
        return f

    def observe(self, raw):
        for k, v in enumerate(self.minimizing(raw)):
            self.lo[k] = min(self.lo[k], v)
            self.hi[k] = max(self.hi[k], v)

    def feedback(self, result):
        """(value, ok) for ``Optimizer.tell``: a float (a list with pareto) in minimization sense;
        value None with ok False when the failure is not to be learnt from."""
        raw = self.raw(result)
        if raw is not None:
            self.observe(raw)
            if self.vector:
                return self.minimizing(raw), True
            value = self.scalar(raw)
            self.told_lo = min(self.told_lo, value)
            self.told_hi = max(self.told_hi, value)
            return value, True
        if self.on_failure == "ignore":
            return None, False
        return self.penalty(), False

    def penalty(self):
        """Worst seen plus its spread; None before any success."""
        if self.vector:
            if not all(map(math.isfinite, self.lo)):
                return None
            return [_worse(lo, hi) for lo, hi in zip(self.lo, self.hi)]
        if not math.isfinite(self.told_lo):
            return None
        return _worse(self.told_lo, self.told_hi)


def _worse(best, worst):
    spread = worst - best
    if spread <= 0:
        spread = max(abs(worst), 1.0)
    return worst + spread


class History:
    """Every result seen, in order; answers best and the Pareto front for ``done``."""

    def __init__(self, scorer):
        self.scorer = scorer
        self.records = []

    def add(self, result, params):
        raw = self.scorer.raw(result)
        self.records.append({"id": result.get("id"), "params": params, "raw": raw,
                             "pruned": result.get("pruned") is not None})
        return raw

    def successes(self):
        """Finished trainings with a value; a pruned trial's value reached is no final result."""
        return [r for r in self.records if r["raw"] is not None and not r["pruned"]]

    def best(self):
        """The best successful result (weighted: ranked with the final ranges), or None."""
        ok = self.successes()
        if not ok:
            return None
        sc = self.scorer
        top = min(ok, key=lambda r: sc.scalar(r["raw"]))
        out = {"params": top["params"], "objective": sc.signs[0] * sc.scalar(top["raw"]),
               "objectives": dict(zip(sc.metrics, top["raw"])), "id": top["id"]}
        return out

    def pareto(self):
        """Every successful result no other one dominates (all objectives, minimization sense)."""
        sc = self.scorer
        ok = self.successes()
        ys = [sc.minimizing(r["raw"]) for r in ok]
        front = []
        for i, yi in enumerate(ys):
            if not any(_dominates(yj, yi) for j, yj in enumerate(ys) if j != i):
                r = ok[i]
                front.append({"id": r["id"], "params": r["params"],
                              "objectives": dict(zip(sc.metrics, r["raw"])),
                              "objective": r["raw"][0]})
        return front


def _dominates(a, b):
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))
