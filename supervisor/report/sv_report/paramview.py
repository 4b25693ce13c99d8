"""How a task's parameters are shown. Keys with a leading underscore are the supervisor's own bookkeeping
(`_parent`, `_children`, `_initial_weights`, `_perturbation`, ...), not what the user varies: they are left
out of parameter text and plots. A long list (a sublearning node's 75 `cells`, say) is shown as its length
and first few items, and is not plotted: as a category, each list would be its own unreadable label."""
import json

SHORT_LIST = 6   # lists up to this long are shown whole and may be plotted (layer sizes, say)
FIRST_ITEMS = 3  # how many items of a longer list its summary shows


def is_internal(key):
    return isinstance(key, str) and key.startswith("_")


def is_long_list(value):
    return isinstance(value, list) and len(value) > SHORT_LIST


def summarize(value):
    """A value as short text: a long list becomes `[75 items: 3, 7, 12, …]`, anything else compact JSON."""
    if is_long_list(value):
        head = ", ".join(json.dumps(v, separators=(",", ":"), sort_keys=True) for v in value[:FIRST_ITEMS])
        return f"[{len(value)} items: {head}, …]"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def params_text(params, limit=160):
    """`key=value` pairs of the user's parameters, long lists summarized, cut at `limit` characters."""
    text = ", ".join(f"{k}={summarize(v)}" for k, v in sorted(params.items()) if not is_internal(k))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plottable(name, values):
    """False for internal keys and for a parameter that is a long list in any task."""
    return not is_internal(name) and not any(is_long_list(v) for v in values)
