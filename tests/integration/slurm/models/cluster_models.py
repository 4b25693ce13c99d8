"""Models for the multi-host tests: each says where it ran (the host's own name, from its UTS namespace)
and takes ~80 ms, long enough that tasks are dispatched one per worker and spread over every host."""
import os
import socket
import time

from model_runner import checkpoints


def where():
    return {"host": socket.gethostname(),
            "local_rank": os.environ.get("OMPI_COMM_WORLD_LOCAL_RANK", os.environ.get("SLURM_LOCALID")),
            "visible": os.environ.get("CUDA_VISIBLE_DEVICES")}


def quadratic(params):
    time.sleep(params.get("sleep", 0.08))
    return {"val_loss": (params["x"] - 1) ** 2 + (params["y"] + 2) ** 2, **where()}


def sublearner(params, ctx):
    """A sublearning node whose "weights" are one number: its parent's plus its stage. A child reads
    them from its worker's memory or from the parent's weights file, as ctx decides."""
    start = ctx.initial_weights
    if ctx.weights_source == "file":
        start = checkpoints.load_object(start)
    w = (start["w"] if start is not None else 0.0) + params["_stage"]
    time.sleep(0.08)
    ctx.save_weights({"w": w})
    return {"val_loss": 1.0 / (1.0 + w + len(params["cells"])), "w": w, **where()}
