"""The search space: one class per parameter type, each able to sample, enumerate and map itself
to and from the unit interval.

Why a unit encoding: the GA breeds vectors of floats in [0, 1] and the space decodes them, so one
set of genetic operators serves every parameter type and every decoded value is valid by
construction (ints are Python ints, categorical values are exactly one of the choices).
"""
import copy
import json
import math

_PRIMITIVES = (type(None), bool, int, float, str)


def canonical(value):
    """A text key for any JSON value; tells 1, 1.0 and true apart (== and dict keys do not)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _copy(value):
    return value if isinstance(value, _PRIMITIVES) else copy.deepcopy(value)


def _clip01(u):
    return 0.0 if u < 0.0 else (1.0 if u > 1.0 else float(u))


class Param:
    """Base class: a named parameter of the space."""

    kind = ""
    ordered = True  # False for categorical: its unit encoding carries no notion of "near"

    def __init__(self, name):
        self.name = name

    def sample(self, rng):
        """A uniform draw (log-uniform where log is set), using the given random.Random."""
        return self.decode(rng.random())

    def decode(self, u):
        raise NotImplementedError

    def encode(self, value):
        raise NotImplementedError

    def grid(self, levels):
        raise NotImplementedError

    def contains(self, value):
        raise NotImplementedError

    def describe(self):
        raise NotImplementedError


class Float(Param):
    """A real number in [low, high]; log: true samples log-uniformly (needs low > 0)."""

    kind = "float"

    def __init__(self, name, low, high, log=False):
        super().__init__(name)
        self.low, self.high, self.log = float(low), float(high), bool(log)
        if not self.low < self.high:
            raise ValueError(f"space.{name}: low ({low}) must be < high ({high})")
        if self.log and self.low <= 0:
            raise ValueError(f"space.{name}: log: true needs low > 0, got {low}")

    def decode(self, u):
        u = _clip01(u)
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            value = math.exp(a + u * (b - a))
        else:
            value = self.low + u * (self.high - self.low)
        return min(max(value, self.low), self.high)

    def encode(self, value):
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            return _clip01((math.log(value) - a) / (b - a))
        return _clip01((value - self.low) / (self.high - self.low))

    def grid(self, levels):
        if levels <= 1:
            return [self.decode(0.5)]
        return [self.decode(i / (levels - 1)) for i in range(levels)]

    def contains(self, value):
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and self.low <= value <= self.high)

    def describe(self):
        return {"name": self.name, "type": "float", "low": self.low, "high": self.high,
                "log": self.log}


class Int(Param):
    """An integer in [low, high], both inclusive; log: true samples log-uniformly (needs low >= 1).

    Each integer owns an equal slice of the unit interval (of log space when log is set), so a
    uniform unit draw is a uniform integer draw and decode(encode(v)) == v."""

    kind = "int"

    def __init__(self, name, low, high, log=False):
        super().__init__(name)
        for key, bound in (("low", low), ("high", high)):
            if (isinstance(bound, bool) or not isinstance(bound, (int, float))
                    or bound != int(bound)):
                raise ValueError(f"space.{name}: {key} must be an integer, got {bound!r}")
        self.low, self.high, self.log = int(low), int(high), bool(log)
        if self.low > self.high:
            raise ValueError(f"space.{name}: low ({low}) must be <= high ({high})")
        if self.log and self.low < 1:
            raise ValueError(f"space.{name}: log: true needs low >= 1, got {low}")

    def _edges(self):
        if self.log:
            return math.log(self.low - 0.5), math.log(self.high + 0.5)
        return self.low - 0.5, self.high + 0.5

    def decode(self, u):
        a, b = self._edges()
        x = a + _clip01(u) * (b - a)
        value = math.exp(x) if self.log else x
        return int(min(max(math.floor(value + 0.5), self.low), self.high))

    def encode(self, value):
        a, b = self._edges()
        x = math.log(value) if self.log else float(value)
        return _clip01((x - a) / (b - a))

    def grid(self, levels):
        size = self.high - self.low + 1
        if levels >= size:
            return list(range(self.low, self.high + 1))
        if levels <= 1:
            return [self.decode(0.5)]
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            raw = [math.exp(a + i * (b - a) / (levels - 1)) for i in range(levels)]
        else:
            raw = [self.low + i * (self.high - self.low) / (levels - 1) for i in range(levels)]
        out = []
        for x in raw:
            v = int(min(max(round(x), self.low), self.high))
            if v not in out:
                out.append(v)
        return out

    def contains(self, value):
        return (isinstance(value, int) and not isinstance(value, bool)
                and self.low <= value <= self.high)

    def describe(self):
        return {"name": self.name, "type": "int", "low": self.low, "high": self.high,
                "log": self.log}


class Categorical(Param):
    """One of a list of choices of any JSON type, unordered."""

    kind = "categorical"
    ordered = False

    def __init__(self, name, choices):
        super().__init__(name)
        if not isinstance(choices, (list, tuple)) or not choices:
            raise ValueError(f"space.{name}: needs a non-empty list of {self._list_key()}")
        self.choices = list(choices)
        self._keys = [canonical(c) for c in self.choices]
        if len(set(self._keys)) != len(self._keys):
            raise ValueError(f"space.{name}: {self._list_key()} must be distinct")

    @staticmethod
    def _list_key():
        return "choices"

    def index(self, value):
        """Position of value among the choices (ValueError if it is not one of them)."""
        return self._keys.index(canonical(value))

    def at(self, i):
        return _copy(self.choices[i])

    def decode(self, u):
        k = len(self.choices)
        return self.at(min(int(_clip01(u) * k), k - 1))

    def encode(self, value):
        return (self.index(value) + 0.5) / len(self.choices)

    def grid(self, levels):
        return [self.at(i) for i in range(len(self.choices))]

    def contains(self, value):
        return canonical(value) in self._keys

    def describe(self):
        return {"name": self.name, "type": self.kind, self._list_key(): list(self.choices)}


class Ordinal(Categorical):
    """One of a list of values whose order matters (e.g. batch sizes): a GA mutates it to
    neighbours, TPE models it as an integer index."""

    kind = "ordinal"
    ordered = True

    @staticmethod
    def _list_key():
        return "values"


def make_param(spec, position=0):
    """One Param from its config entry (a dict as in PROTOCOL.md)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
        raise ValueError(f"space[{position}]: needs a name")
    name, kind = spec["name"], spec.get("type", "float")
    if kind in ("float", "real", "double"):
        return Float(name, _number(spec, "low"), _number(spec, "high"), spec.get("log", False))
    if kind in ("int", "integer"):
        return Int(name, _number(spec, "low"), _number(spec, "high"), spec.get("log", False))
    if kind in ("categorical", "ordinal"):
        # PROTOCOL.md says choices / values; accept either key for either type.
        values = spec.get("choices", spec.get("values"))
        return Categorical(name, values) if kind == "categorical" else Ordinal(name, values)
    raise ValueError(f"space.{name}: unknown type {kind!r} (float, int, categorical, ordinal)")


def _number(spec, key):
    value = spec.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"space.{spec['name']}: {key} must be a number, got {value!r}")
    return value


class Space:
    """An ordered list of parameters; points are dicts name -> value."""

    def __init__(self, specs):
        self.params = [p if isinstance(p, Param) else make_param(p, i)
                       for i, p in enumerate(specs or [])]
        self.names = [p.name for p in self.params]
        if len(set(self.names)) != len(self.names):
            raise ValueError("space: parameter names must be distinct")

    def __len__(self):
        return len(self.params)

    def __iter__(self):
        return iter(self.params)

    def sample(self, rng):
        return {p.name: p.sample(rng) for p in self.params}

    def decode(self, units):
        return {p.name: p.decode(u) for p, u in zip(self.params, units)}

    def encode(self, point):
        return [p.encode(point[p.name]) for p in self.params]

    def contains(self, point):
        """True when point has exactly the space's names and every value is valid."""
        return (isinstance(point, dict) and set(point) == set(self.names)
                and all(p.contains(point[p.name]) for p in self.params))

    def key(self, point):
        return canonical(point)

    def describe(self):
        return [p.describe() for p in self.params]
