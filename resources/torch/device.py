"""Which device a rank trains on: the one asked for (--device), else CUDA when torch sees it, else
Apple's MPS when torch sees it, else the CPU. bf16 autocast runs on CUDA only (Trainer): on MPS
and the CPU, train.precision bf16 / tf32 train in float32, and the start line in log.txt says so.
"""
import torch

KINDS = ("cpu", "cuda", "mps")


def mps_available(backends=None):
    """torch.backends.mps.is_available(), False on torch builds without the attribute (< 1.12)."""
    mps = getattr(backends if backends is not None else torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def device_kind(requested, cuda, mps, world=1):
    """requested: None or one of KINDS; cuda, mps: whether torch sees them. Raises ValueError for a
    device that is not there, or for several processes on MPS (one GPU; gloo has no MPS tensors)."""
    kind = requested or ("cuda" if cuda else "mps" if mps else "cpu")
    if kind not in KINDS:
        raise ValueError(f"--device {kind}: expected one of {', '.join(KINDS)}")
    if (kind == "cuda" and not cuda) or (kind == "mps" and not mps):
        raise ValueError(f"--device {kind}: torch sees no {kind.upper()} device here")
    if kind == "mps" and world > 1:
        raise ValueError(f"{world} processes on MPS: a Mac has one GPU and gloo cannot reduce MPS tensors; use 1 process")
    return kind


def pick_device(requested, local_rank, world):
    """The torch.device for this rank (CUDA: the rank's own GPU, LOCAL_RANK)."""
    kind = device_kind(requested, torch.cuda.is_available(), mps_available(), world)
    return torch.device("cuda", local_rank) if kind == "cuda" else torch.device(kind)
