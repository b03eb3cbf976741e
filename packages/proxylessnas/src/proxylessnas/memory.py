"""Memory accounting of one training step (the paper's memory claim, Sec. 1 and Fig. 1).

:func:`saved_tensor_bytes` counts the bytes autograd keeps for the backward pass while a step's forward runs
(``torch.autograd.graph.saved_tensors_hooks``): deterministic and device-independent, the main metric. Each
storage is counted once (several ops saving the same input, or views of it, do not add up), and storages of
``exclude`` (e.g. the model's parameters, held anyway) are left out. :func:`peak_rss_increase` reports how much
the process's peak resident set grew during a call (``ru_maxrss``; allocator caching makes it noisy: report it,
do not assert on it; the reproduction measures it in a fresh process per setting).
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Callable, Iterable
from typing import Any

import torch


def _storage_key(t: torch.Tensor) -> tuple[int, int]:
    st = t.untyped_storage()
    return st.data_ptr(), st.nbytes()


def saved_tensor_bytes(fn: Callable[[], Any], *, exclude: Iterable[torch.Tensor] = ()) -> int:
    """Bytes of the distinct storages autograd saves for backward while ``fn()`` runs.

    Args:
        fn: runs a forward pass (it may also run backward; only what is saved counts).
        exclude: tensors whose storages are not counted (e.g. ``model.parameters()``).

    Returns:
        The number of bytes.
    """
    skip = {_storage_key(t)[0] for t in exclude}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr, nbytes = _storage_key(t)
        if ptr not in skip and ptr != 0:
            seen[ptr] = max(seen.get(ptr, 0), nbytes)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return int(sum(seen.values()))


def _maxrss_bytes() -> int:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(r if sys.platform == "darwin" else r * 1024)


def peak_rss_increase(fn: Callable[[], Any]) -> int:
    """How much the process's peak resident set size grew while ``fn()`` ran, in bytes (0 when the earlier peak
    was higher: call it in a fresh process).

    Args:
        fn: the step.

    Returns:
        Bytes.
    """
    before = _maxrss_bytes()
    fn()
    return max(_maxrss_bytes() - before, 0)


def cuda_peak_bytes(fn: Callable[[], Any], device: torch.device | str = "cuda") -> int:
    """Peak CUDA memory allocated while ``fn()`` runs, above what was allocated before (bytes).

    Args:
        fn: the step.
        device: the CUDA device.

    Returns:
        Bytes.
    """
    dev = torch.device(device)
    torch.cuda.synchronize(dev)
    base = torch.cuda.memory_allocated(dev)
    torch.cuda.reset_peak_memory_stats(dev)
    fn()
    torch.cuda.synchronize(dev)
    return int(torch.cuda.max_memory_allocated(dev) - base)
