"""An app model for pruning tests: the known learning curve of prune_models, one JSON line per epoch
appended to $SV_PROGRESS_FILE. On SIGUSR1 (its model.stop_signal) it leaves `got-stop-signal` in its
task directory and then ignores the stop, so only the supervisor's SIGKILL after model.stop_grace_s ends it.

Usage: prune_app.py PARAMS_FILE
"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prune_models import curve_point  # noqa: E402


def on_stop(*_):
    with open(os.path.join(os.environ["SV_TASK_DIR"], "got-stop-signal"), "w") as fh:
        fh.write("USR1\n")
    while True:  # a stubborn app: the hard stop must end it
        time.sleep(1)


def main():
    signal.signal(signal.SIGUSR1, on_stop)
    with open(sys.argv[1]) as fh:
        params = json.load(fh)
    x, epochs = float(params["x"]), int(params.get("epochs", 9))
    loss = None
    for epoch in range(1, epochs + 1):
        loss, _ = curve_point(x, epoch)
        with open(os.environ["SV_PROGRESS_FILE"], "a") as fh:
            fh.write(json.dumps({"epoch": epoch, "val_loss": loss}) + "\n")
        if epoch < epochs:
            time.sleep(float(params.get("epoch_s", 0.3)))
    print(json.dumps({"val_loss": loss}))


if __name__ == "__main__":
    main()
