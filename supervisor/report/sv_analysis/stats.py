"""Small statistics without numpy, so the analysis runs with any Python 3."""
import math


def percentile(values, q):
    """The q-th percentile (0..100) by linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values):
    xs = list(values)
    return sum(xs) / len(xs) if xs else None


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
