"""A dag node that reads its parents' outputs (params ``_inputs``, see supervisor/engine/dag.hpp) and
reports the best of them: which parent, its objective, its weights file. Used by workflows/dag-example.yaml.

``metric`` (default ``val_loss``) and ``goal`` (``minimize`` or ``maximize``) choose the best.
"""

default_params = {"metric": "val_loss", "goal": "minimize"}


def run(params):
    """Returns the best parent's id, value and weights, plus every parent's value."""
    metric = params.get("metric", "val_loss")
    inputs = params.get("_inputs") or {}
    values = {}
    for node, out in inputs.items():
        result = out.get("result") if isinstance(out, dict) else None
        if isinstance(result, dict) and isinstance(result.get(metric), (int, float)):
            values[node] = float(result[metric])
    if not values:
        raise ValueError(f"no parent reported {metric!r} (inputs: {', '.join(sorted(inputs)) or 'none'})")
    pick = min if params.get("goal", "minimize") == "minimize" else max
    best = pick(sorted(values), key=values.get)
    return {metric: values[best], "best": best, "weights": inputs[best].get("weights"), "candidates": values}
