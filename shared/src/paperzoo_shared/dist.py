"""Tiny ``torch.distributed`` helpers for code launched by ``torchrun`` (or not launched at all).

Everything degrades to a single process when ``RANK``/``WORLD_SIZE`` are not set.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any


def world() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from torchrun's environment (``(0, 1, 0)`` when absent)."""
    return (
        int(os.environ.get("RANK", 0)),
        int(os.environ.get("WORLD_SIZE", 1)),
        int(os.environ.get("LOCAL_RANK", 0)),
    )


def init_distributed(backend: str | None = None, timeout_s: float = 600.0) -> tuple[int, int, Any]:
    """Initialise the default process group from torchrun's environment.

    Backend: ``nccl`` with CUDA, else ``gloo`` (or the one given). Returns ``(rank, world_size, device)``; the
    device is ``cuda:LOCAL_RANK`` with CUDA, else the CPU. Without torchrun's variables nothing is initialised
    and ``(0, 1, device)`` is returned.
    """
    import torch
    import torch.distributed as dist

    rank, world_size, local_rank = world()
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world_size == 1 or "MASTER_ADDR" not in os.environ:
        return rank, world_size, device
    if not dist.is_initialized():
        dist.init_process_group(
            backend=backend or ("nccl" if cuda else "gloo"), timeout=datetime.timedelta(seconds=timeout_s)
        )
    return dist.get_rank(), dist.get_world_size(), device


def is_distributed() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    import torch.distributed as dist

    return dist.get_rank() if is_distributed() else world()[0]


def is_main() -> bool:
    """True on rank 0 (and in a plain single process)."""
    return rank() == 0


def all_reduce_mean(tensor: Any) -> Any:
    """Mean of ``tensor`` over all ranks (a copy; the input is unchanged). Identity without a process group."""
    import torch.distributed as dist

    if not is_distributed():
        return tensor.clone()
    out = tensor.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out / dist.get_world_size()


def distributed_sampler(dataset: Any, shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> Any:
    """A ``DistributedSampler`` under a process group, else a plain random or sequential sampler."""
    import torch
    from torch.utils.data import DistributedSampler, RandomSampler, SequentialSampler

    if is_distributed():
        return DistributedSampler(dataset, shuffle=shuffle, seed=seed, drop_last=drop_last)
    if shuffle:
        return RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    return SequentialSampler(dataset)


def write_on_main(path: str | Path, text: str) -> bool:
    """Write ``text`` to ``path`` on rank 0 only; returns whether this rank wrote."""
    if not is_main():
        return False
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")
    return True


def cleanup() -> None:
    """Destroy the process group if one was initialised."""
    import torch.distributed as dist

    if is_distributed():
        dist.destroy_process_group()
