"""The data-parallel mode (``distributed=True``): the soft confusion matrix summed over all processes.

AnyLoss is a statistic of the whole batch, so under data parallelism (DDP) each process's local loss is the metric
of its own shard, not of the global batch, and the gradients DDP averages are not those of the global metric. In
this mode each process sums its soft counts ``(TN, FP, FN, TP)`` with every other process's (one all-reduce of a
few numbers per column) and computes the metric of the global counts, so every rank holds the same, global, loss.

The gradient. Write ``C = sum_r C_r`` for the global counts, ``C_r`` those of rank ``r``, and ``l(C)`` the loss.
One process on the full batch has ``dl/dtheta = l'(C) sum_r dC_r/dtheta``. The all-reduce is differentiable
(:class:`_AllReduceSum`): its forward sums the counts over the ranks, its backward sums the incoming gradients
over the ranks, the adjoint of a sum. Every rank's loss is the same ``l(C)`` and sends back ``l'(C)``, so the
gradient that reaches rank ``r``'s local counts is ``R l'(C)`` (``R`` = world size) and its parameter gradient is
``R l'(C) dC_r/dtheta``. DDP averages parameter gradients over the ranks: ``(1/R) sum_r R l'(C) dC_r/dtheta``,
which is exactly the full-batch gradient. In autograd terms: the backward is the true gradient of DDP's objective,
the mean of the ranks' losses, with respect to this rank's inputs, so it stays right when the ranks weight the
loss differently (a per-rank loss scale, a sum with a local term).

The backward all-reduce is a collective: every rank must run backward through the loss (DDP requires that
anyway); a loss computed under ``torch.no_grad()`` (evaluation) has no backward and needs only the forward one.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__: list[str] = []


def check_initialised() -> None:
    """Raise a clear error when ``distributed=True`` is used without an initialised process group."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        raise RuntimeError(
            "distributed=True needs an initialised torch.distributed process group: call "
            "torch.distributed.init_process_group(...) first (torchrun does not call it for you), or use "
            "distributed=False in a single process"
        )


class _AllReduceSum(torch.autograd.Function):
    """``sum_r x_r`` on every rank; backward: the incoming gradients summed over the ranks (the adjoint)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, group: Any) -> Tensor:  # type: ignore[override]
        ctx.group = group
        out = x.clone(memory_format=torch.contiguous_format)
        torch.distributed.all_reduce(out, op=torch.distributed.ReduceOp.SUM, group=group)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        grad = grad.clone(memory_format=torch.contiguous_format)
        torch.distributed.all_reduce(grad, op=torch.distributed.ReduceOp.SUM, group=ctx.group)
        return grad, None


def all_reduce_sum(tensors: list[Tensor], group: Any = None) -> list[Tensor]:
    """Every tensor summed over the ranks of ``group`` in ONE differentiable all-reduce (same shapes back).

    Tensors that do not need a gradient may be mixed in (counts of samples, validation flags); all are cast to
    the dtype of the first.
    """
    dtype = tensors[0].dtype
    flat = torch.cat([t.reshape(-1).to(dtype) for t in tensors])
    out = _AllReduceSum.apply(flat, group)
    parts, start = [], 0
    for t in tensors:
        parts.append(out[start : start + t.numel()].reshape(t.shape))
        start += t.numel()
    return parts
