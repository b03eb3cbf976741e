"""The kernels the feature maps estimate, in closed form: ``f(wᵀx + b)`` and the arc-cosine kernel."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from snnk.features.base import ACTIVATIONS

__all__ = ["arccos_kernel", "exact_kernel"]


def arccos_kernel(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Arc-cosine kernel of order 1: ``‖x‖‖w‖(sin θ + (π − θ) cos θ)/(2π)``, ``[n, d] × [l, d] -> [n, l]``."""
    nx = x.norm(dim=-1, keepdim=True)
    nw = w.norm(dim=-1, keepdim=True).T
    cos = ((x @ w.T) / (nx * nw).clamp_min(1e-30)).clamp(-1.0, 1.0)
    theta = torch.arccos(cos)
    return nx * nw * (torch.sin(theta) + (math.pi - theta) * cos) / (2 * math.pi)


def exact_kernel(
    activation: str, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None
) -> torch.Tensor:
    """The exact kernel, ``[n, l]``: ``f(x wᵀ + b)`` for cos/sin/exp/tanh/gelu, the arc-cosine kernel for relu."""
    if activation == "relu":
        if b is not None:
            raise ValueError("the arc-cosine (relu) kernel has no bias: pass b=None")
        return arccos_kernel(x, w)
    z = x @ w.T + (0 if b is None else b)
    fns: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "cos": torch.cos,
        "sin": torch.sin,
        "exp": torch.exp,
        "tanh": torch.tanh,
        "gelu": nn.functional.gelu,
    }
    if activation not in fns:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    return fns[activation](z)
