"""Max-W weighting of candidate operations (sharpDARTS Sec. 5, "Max-W regularization").

With ``w = softmax(α_e)`` over the ops of one edge, DARTS' mixed op is ``Σ_i w_i op_i(x)`` ("scalar" weighting,
DARTS Eq. 2). Max-W weights op ``i`` by ``1 - max_j w_j + w_i``::

    MixedOp(x) = Σ_i (1 - max_j w_j + w_i) · op_i(x)

so the strongest op passes unscaled (weight exactly 1) and every other op is scaled by ``1 - (w_max - w_i)`` in
``(0, 1]``. The weights do not sum to 1 (uniform α gives every op weight 1: a plain sum). As in the official
code, the gradient with respect to α flows through ``w_i`` and through ``max_j w_j`` (``detach_max=True`` stops the
latter, the intent stated in a comment of the official HyperCuboid code). The genotype is still derived from ``w``.

The weightings plug into darts-core's mixed op hook ``weighting(weights, x, ops)``:
``Supernet(space, weighting=MaxWWeighting())`` or :func:`set_weighting` on a built supernet.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from darts_core.mixed import MixedOp, Weighting, weighted_sum

__all__ = [
    "WEIGHTINGS",
    "MaxWWeighting",
    "get_weighting",
    "max_w_weighting",
    "max_w_weights",
    "scalar_weighting",
    "set_weighting",
]


def max_w_weights(weights: torch.Tensor, *, dim: int = -1, detach_max: bool = False) -> torch.Tensor:
    """Max-W op weights ``1 - max(w) + w`` along ``dim`` (sharpDARTS Max-W regularisation).

    Args:
        weights: softmax weights ``w`` (any shape; one softmax group along ``dim``).
        dim: the axis of one softmax group (one edge's ops).
        detach_max: stop the gradient through ``max(w)`` (the official code lets it flow).

    Returns:
        A tensor of the shape of ``weights``; along ``dim`` the arg-max entry is exactly 1.
    """
    if not isinstance(weights, torch.Tensor):
        raise TypeError(f"weights must be a tensor, got {type(weights).__name__}")
    if not weights.is_floating_point():
        raise TypeError(f"weights must be floating point, got {weights.dtype}")
    if weights.numel() == 0:
        raise ValueError("weights must not be empty")
    if isinstance(dim, bool) or not isinstance(dim, int) or not -weights.dim() <= dim < max(weights.dim(), 1):
        raise ValueError(
            f"dim must be an int in [{-weights.dim()}, {weights.dim() - 1}] for weights of shape "
            f"{tuple(weights.shape)}, got {dim!r}"
        )
    if not isinstance(detach_max, bool):
        raise TypeError(f"detach_max must be a bool, got {detach_max!r}")
    w_max = weights.amax(dim=dim, keepdim=True)
    if detach_max:
        w_max = w_max.detach()
    return 1.0 - w_max + weights


def scalar_weighting(weights: torch.Tensor, x: torch.Tensor, ops: nn.ModuleList) -> torch.Tensor:
    """DARTS' scalar weighting ``Σ_i w_i op_i(x)`` (DARTS Eq. 2; darts-core's :func:`~darts_core.weighted_sum`).

    Args:
        weights: one edge's op weights, shape ``(K,)``.
        x: the edge's input.
        ops: the ``K`` candidate ops.

    Returns:
        The edge's output.
    """
    return weighted_sum(weights, x, ops)


class MaxWWeighting:
    """The Max-W mixed-op hook ``Σ_i (1 - max(w) + w_i) op_i(x)`` for :class:`darts_core.MixedOp`.

    Args:
        detach_max: stop the gradient through ``max(w)`` (default False, as the official code).
    """

    def __init__(self, *, detach_max: bool = False) -> None:
        if not isinstance(detach_max, bool):
            raise TypeError(f"detach_max must be a bool, got {detach_max!r}")
        self.detach_max = detach_max
        self.__name__ = "max_w" + ("(detach_max)" if detach_max else "")

    def __call__(self, weights: torch.Tensor, x: torch.Tensor, ops: nn.ModuleList) -> torch.Tensor:
        return weighted_sum(max_w_weights(weights, detach_max=self.detach_max), x, ops)

    def __repr__(self) -> str:
        return f"MaxWWeighting(detach_max={self.detach_max})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaxWWeighting) and other.detach_max == self.detach_max

    def __hash__(self) -> int:
        return hash(("MaxWWeighting", self.detach_max))


max_w_weighting = MaxWWeighting()
"""The official Max-W hook (gradient through ``max(w)``)."""

WEIGHTINGS: dict[str, Callable[[], Weighting]] = {
    "scalar": lambda: scalar_weighting,
    "max_w": lambda: MaxWWeighting(),
    "max_w_detach": lambda: MaxWWeighting(detach_max=True),
}
"""Weighting names (official ``--weighting_algorithm`` 'scalar' | 'max_w', plus the detached-max variant)."""


def get_weighting(name: str) -> Weighting:
    """The mixed-op hook called ``name``.

    Args:
        name: one of :data:`WEIGHTINGS` (``"scalar"``, ``"max_w"``, ``"max_w_detach"``).

    Returns:
        A callable ``weighting(weights, x, ops)``.
    """
    if name not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {sorted(WEIGHTINGS)}, got {name!r}")
    return WEIGHTINGS[name]()


def set_weighting(model: nn.Module, weighting: str | Weighting) -> int:
    """Set the combination hook of every :class:`darts_core.MixedOp` inside ``model`` (a built supernet).

    Args:
        model: a module holding mixed ops (e.g. a :class:`darts_core.Supernet`).
        weighting: a name of :data:`WEIGHTINGS` or a callable ``weighting(weights, x, ops)``.

    Returns:
        The number of mixed ops changed (``ValueError`` when ``model`` holds none).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module holding darts_core.MixedOp, got {type(model).__name__}")
    hook = get_weighting(weighting) if isinstance(weighting, str) else weighting
    if not callable(hook):
        raise TypeError(f"weighting must be a name of {sorted(WEIGHTINGS)} or a callable, got {weighting!r}")
    n = 0
    for m in model.modules():
        if isinstance(m, MixedOp):
            m.weighting = hook
            n += 1
    if n == 0:
        raise ValueError(
            f"model ({type(model).__name__}) holds no darts_core.MixedOp to set the weighting of"
        )
    return n
