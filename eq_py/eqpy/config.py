"""config_json (PROTOCOL.md) read into one checked object.

The C++ spec parser has validated the YAML already; the checks here exist so a hand-written config
(a test, a benchmark, a future caller) fails with one line naming the key instead of a stack deep
inside an optimizer.
"""
import json

from .space import Space

OPTIMIZERS = ("random", "grid", "ga", "tpe", "nsga2", "emews")
POLICIES = ("penalize", "ignore", "retry")


class ConfigError(ValueError):
    """A config value the Python side cannot work with. ``key``: the YAML key path it is about
    (``optimizer.options.n_startup``), so ``supervisor validate`` can point at its line; by default
    the text before the first ``": "``."""

    def __init__(self, message, key=None):
        super().__init__(message)
        self.key = key or str(message).split(": ", 1)[0]


class Config:
    """The parts of config_json the host, driver and optimizers use."""

    def __init__(self, data):
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise ConfigError("config: expected a JSON object")
        self.raw = data
        self.run_dir = data.get("run_dir", "")
        self.workers = _int(data.get("workers", 1), "workers", minimum=1)
        opt = data.get("optimizer") or {}
        if not isinstance(opt, dict):
            raise ConfigError("optimizer: expected an object")
        self.name = opt.get("name", "random")
        if self.name not in OPTIMIZERS:
            raise ConfigError(f"optimizer.name: unknown {self.name!r} ({', '.join(OPTIMIZERS)})")
        self.seed = _int(opt.get("seed", 0) or 0, "optimizer.seed")
        self.batch = _int(opt.get("batch", 0) or 0, "optimizer.batch", minimum=0)
        max_evals = _int(opt.get("max_evals", 0) or 0, "optimizer.max_evals", minimum=0)
        self.max_evals = max_evals or None  # 0 = no limit (the engine may still send stop)
        self.on_failure = opt.get("on_failure", "penalize")
        if self.on_failure not in POLICIES:
            raise ConfigError(f"optimizer.on_failure: unknown {self.on_failure!r} "
                              f"({', '.join(POLICIES)})")
        options = opt.get("options") or {}
        if not isinstance(options, dict):
            raise ConfigError("optimizer.options: expected an object")
        options = dict(options)
        # Read by the C++ host's watchdog (eq/queues.hpp), for every optimizer, as for R.
        hang = options.pop("hang_timeout", 300)
        if isinstance(hang, bool) or not isinstance(hang, (int, float)) or hang < 0:
            raise ConfigError(f"optimizer.options.hang_timeout: expected seconds >= 0 (0 turns "
                              f"the watchdog off), got {hang!r}")
        self.hang_timeout = float(hang)
        if self.name == "emews":
            from .emews import check_options
            options = check_options(options)
        self.options = options
        self.module = opt.get("module")
        path = opt.get("path") or []
        self.path = [path] if isinstance(path, str) else list(path)
        self.settings = opt.get("settings")
        if self.options.get("push_settings") and self.settings is None:
            raise ConfigError("optimizer.options.push_settings: there are no settings to push "
                              "(add optimizer.settings)")
        try:
            self.space = Space(data.get("space") or [])
        except ValueError as err:
            raise ConfigError(str(err)) from None
        if self.name != "emews" and not len(self.space):
            raise ConfigError("space: the optimizer needs at least one parameter")
        if self.name == "emews" and not self.module:
            raise ConfigError("optimizer.module: emews needs the ME algorithm's module name")
        self.objectives = _objectives(data.get("objectives"))
        self.multi = _multi(data.get("multi"), len(self.objectives))
        if self.multi["mode"] == "pareto" and self.name in ("ga", "tpe"):
            raise ConfigError(f"multi.mode: pareto needs optimizer nsga2 (or random, grid, "
                              f"emews), not {self.name}; use multi.mode: weighted with "
                              f"{self.name}")
        replay = data.get("replay") or []
        if not isinstance(replay, list):
            raise ConfigError("replay: expected a list of result messages")
        self.replay = [m for m in replay
                       if isinstance(m, dict) and m.get("type", "result") == "result"]

    @property
    def streaming(self):
        return self.batch == 0


def _int(value, key, minimum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ConfigError(f"{key}: expected an integer >= {minimum}, got {value}")
    return value


def _objectives(items):
    items = items or [{"metric": "objective", "goal": "minimize"}]
    if isinstance(items, dict):
        items = [items]
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ConfigError(f"objectives[{i}]: expected an object")
        goal = item.get("goal", "minimize")
        if goal not in ("minimize", "maximize"):
            raise ConfigError(f"objectives[{i}].goal: expected minimize or maximize, got {goal!r}")
        out.append({"metric": str(item.get("metric", f"objective{i}")), "goal": goal})
    return out


def _multi(multi, count):
    multi = dict(multi or {})
    mode = multi.get("mode", multi.get("combine", "weighted"))
    if mode not in ("weighted", "pareto"):
        raise ConfigError(f"multi.mode: expected weighted or pareto, got {mode!r}")
    alpha = multi.get("alpha", 0.1)
    alphas = list(alpha) if isinstance(alpha, (list, tuple)) else [alpha] * max(count - 1, 0)
    if count > 1 and len(alphas) != count - 1:
        raise ConfigError(f"multi.alpha: expected one number or {count - 1} "
                          "(one per secondary objective)")
    for a in alphas:
        if isinstance(a, bool) or not isinstance(a, (int, float)):
            raise ConfigError(f"multi.alpha: expected a number, got {a!r}")
    return {"mode": mode if count > 1 else "single", "alphas": [float(a) for a in alphas]}
