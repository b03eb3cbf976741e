"""Pointwise layers: already operators (paper, Sec. 4: 1x1 convolutions, channel MLPs, activations) and
normalisation with quadrature statistics."""

from __future__ import annotations

import math

import torch
from torch import nn

from nn_to_no._checks import check_module_input, check_positive_int, check_tensor
from nn_to_no.grid import Grid


class PointwiseLinear(nn.Module):
    """``y(x) = W v(x) + b`` at every point: a 1x1 convolution over channels for any number of spatial axes.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        bias: learn a bias.
    """

    def __init__(self, in_channels: int, out_channels: int, *, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(
            check_positive_int("in_channels", in_channels),
            check_positive_int("out_channels", out_channels),
            bias=bias,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the channel map.

        Args:
            x: ``(B, in_channels, *spatial)``.

        Returns:
            ``(B, out_channels, *spatial)``.
        """
        check_tensor("x", x, ndim=tuple(range(2, 7)), finite=False)
        check_module_input("x", x, self)
        if x.shape[1] != self.linear.in_features:
            raise ValueError(f"x must have {self.linear.in_features} channels, got {x.shape[1]}")
        return self.linear(x.movedim(1, -1)).movedim(-1, 1)


class QuadratureGroupNorm(nn.Module):
    """GroupNorm whose means and variances are quadrature averages ``sum w v / sum w`` over the domain.

    On uniform periodic grids this is ``nn.GroupNorm``; on node grids the trapezoid weights make the statistics those
    of the function rather than of its samples (boundary points count half).

    Args:
        num_groups: channel groups.
        num_channels: channels.
        periodic: periodic grid (uniform weights) or node grid (trapezoid weights).
        eps: added to the variance.
        affine: learn a per-channel scale and shift.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        *,
        periodic: bool = True,
        eps: float = 1e-5,
        affine: bool = True,
    ) -> None:
        super().__init__()
        self.num_groups = check_positive_int("num_groups", num_groups)
        self.num_channels = check_positive_int("num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.periodic = bool(periodic)
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps <= 0:
            raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
        self.eps = float(eps)
        self.weight = nn.Parameter(torch.ones(num_channels)) if affine else None
        self.bias = nn.Parameter(torch.zeros(num_channels)) if affine else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise each group by its quadrature mean and variance.

        Args:
            x: ``(B, num_channels, *spatial)``.

        Returns:
            The normalised tensor, same shape.
        """
        check_tensor("x", x, ndim=tuple(range(3, 7)), finite=False)
        check_module_input("x", x, self, dtype=False)
        if x.shape[1] != self.num_channels:
            raise ValueError(f"x must have {self.num_channels} channels, got {x.shape[1]}")
        spatial = tuple(x.shape[2:])
        if x.shape[0] == 0:
            return x.clone()
        w = Grid(spatial, periodic=self.periodic).quadrature_weights(dtype=x.dtype, device=x.device)
        w = (w / w.sum()).flatten()
        g = x.reshape(x.shape[0], self.num_groups, -1, w.numel())
        mean = (g * w).sum(-1, keepdim=True).mean(-2, keepdim=True)
        var = (((g - mean) ** 2) * w).sum(-1, keepdim=True).mean(-2, keepdim=True)
        y = ((g - mean) / torch.sqrt(var + self.eps)).reshape(x.shape)
        if self.weight is not None and self.bias is not None:
            shape = (1, -1) + (1,) * len(spatial)
            y = y * self.weight.to(y.dtype).reshape(shape) + self.bias.to(y.dtype).reshape(shape)
        return y

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, periodic={self.periodic}, eps={self.eps}"
