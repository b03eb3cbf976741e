"""The mixed operation (DARTS Eq. 2): a weighted sum of every candidate op on one edge.

``MixedOp(x, w) = sum_o w_o * o(x)`` with ``w = softmax(alpha_e)`` computed once per forward by the supernet.
The combination is a hook, ``weighting(weights, x, ops) -> Tensor``, so that variants plug in without copying
the cell code: sharpDARTS' Max-W weighting, ProxylessNAS/GDAS sampled (one-hot) paths, or a sum that skips
zero-weight ops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from darts_core.ops import make_op

Weighting = Callable[[torch.Tensor, torch.Tensor, nn.ModuleList], torch.Tensor]
"""``weighting(weights, x, ops) -> Tensor``: combine the candidate ops of one edge (``weights`` has shape (K,))."""


def weighted_sum(weights: torch.Tensor, x: torch.Tensor, ops: nn.ModuleList) -> torch.Tensor:
    """DARTS Eq. 2: ``sum_o weights[o] * o(x)``."""
    out = weights[0] * ops[0](x)
    for k in range(1, len(ops)):
        out = out + weights[k] * ops[k](x)
    return out


def sparse_weighted_sum(weights: torch.Tensor, x: torch.Tensor, ops: nn.ModuleList) -> torch.Tensor:
    """Like :func:`weighted_sum` but skips ops whose weight is exactly 0 (one-hot / pruned edges).

    It reads the weights on the host (one device sync per edge), so use it where many weights are zero
    (progressive discretisation, sampled paths), not for plain DARTS.
    """
    keep = [k for k, v in enumerate(weights.detach().cpu().tolist()) if v != 0.0]
    if not keep:
        return weights[0] * ops[0](x)  # every op has weight 0: a zero tensor of the right shape
    out = weights[keep[0]] * ops[keep[0]](x)
    for k in keep[1:]:
        out = out + weights[k] * ops[k](x)
    return out


class MixedOp(nn.Module):
    """All candidate ops of one edge, combined by ``weighting`` (default: DARTS' weighted sum, Eq. 2).

    Pooling candidates get ``BatchNorm2d(C, affine=False)`` after them when ``pool_bn`` (official search code).
    """

    def __init__(
        self,
        C: int,
        stride: int,
        primitives: Sequence[str],
        *,
        pool_bn: bool = True,
        affine: bool = False,
        weighting: Weighting = weighted_sum,
    ) -> None:
        super().__init__()
        self.C, self.stride, self.primitives = int(C), int(stride), tuple(primitives)
        self.weighting = weighting
        ops = []
        for name in self.primitives:
            op = make_op(name, C, stride, affine)
            if pool_bn and "pool" in name:
                op = nn.Sequential(op, nn.BatchNorm2d(C, affine=False))
            ops.append(op)
        self.ops = nn.ModuleList(ops)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return self.weighting(weights, x, self.ops)

    def extra_repr(self) -> str:
        return f"C={self.C}, stride={self.stride}, primitives={self.primitives}, weighting={getattr(self.weighting, '__name__', self.weighting)}"
