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


def checkpointed(params, ctx):
    """The quadratic after `epochs` epochs of 0.25 s, a checkpoint after each; stops when asked (a drain)
    and resumes from its newest checkpoint, saying which epoch it resumed at."""
    saved = ctx.load_checkpoint()
    first = saved[0] + 1 if saved else 1
    for epoch in range(first, int(params.get("epochs", 8)) + 1):
        if ctx.should_stop():
            break
        time.sleep(0.25)
        ctx.save_checkpoint(epoch, {"epoch": epoch})
    return {"val_loss": (params["x"] - 1) ** 2 + (params["y"] + 2) ** 2, "resumed_at": first, **where()}
