"""A model for the status/report/export tests: per-epoch metrics, two objectives that trade off (a Pareto
front), a categorical parameter, and a failure for one tuple."""
import time


def trade_off(params, ctx):
    """val_loss falls with `width` while `cost` rises with it; `act` shifts val_loss; x == 3 fails."""
    width = float(params["width"])
    act = params.get("act", "relu")
    if params.get("fail"):
        raise RuntimeError(f"width {width:g} with {act}: simulated out-of-memory")
    loss = 2.0
    for epoch in range(1, int(params.get("epochs", 3)) + 1):
        time.sleep(float(params.get("epoch_sleep", 0.01)))
        loss *= 0.6
        ctx.report(epoch, loss=loss, val_loss=loss + 1.0 / width + (0.05 if act == "tanh" else 0.0))
    return {"val_loss": loss + 1.0 / width + (0.05 if act == "tanh" else 0.0), "cost": width * 0.1,
            "note": params.get("label", "")}
