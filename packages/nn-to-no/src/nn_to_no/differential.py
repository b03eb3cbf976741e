"""Finite-difference convolution: a stencil that converges to a first-order differential operator (paper, Sec. 4.1;
Liu-Schiaffini et al. 2024, "Neural operators with localized integral and differential kernels")."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nn_to_no._checks import (
    check_choice,
    check_module_input,
    check_positive_float,
    check_positive_int,
    check_tensor,
)


class FiniteDifferenceConv2d(nn.Module):
    """``y = (conv_K(x) - (sum_ab K_ab) x) / h``: zero on constants, and for a smooth ``x`` it tends to
    ``sum_ab K_ab (a, b) . grad x`` (a learned directional derivative per channel pair) as ``h -> 0``; the stencil keeps
    its size in points.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: odd stencil size (points).
        domain_length: side length ``L`` of the domain; ``h = L / N``.
        padding: ``"periodic"``, ``"zeros"``, ``"reflect"`` or ``"replicate"``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        kernel_size: int = 3,
        domain_length: float = 1.0,
        padding: str = "periodic",
    ) -> None:
        super().__init__()
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.out_channels = check_positive_int("out_channels", out_channels)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (a centred stencil), got {kernel_size}")
        self.domain_length = check_positive_float("domain_length", domain_length)
        self.padding = check_choice("padding", padding, ("periodic", "zeros", "reflect", "replicate"))
        bound = 1.0 / (in_channels * kernel_size * kernel_size) ** 0.5
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels, kernel_size, kernel_size).uniform_(-bound, bound)
        )

    def forward(self, x: torch.Tensor, *, grid_width: float | None = None) -> torch.Tensor:
        """Apply the finite-difference stencil.

        Args:
            x: ``(B, in_channels, H, W)``.
            grid_width: spacing ``h`` (default ``domain_length / W``).

        Returns:
            ``(B, out_channels, H, W)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self)
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x must have {self.in_channels} channels, got {x.shape[1]}")
        h = (
            self.domain_length / x.shape[-1]
            if grid_width is None
            else check_positive_float("grid_width", grid_width)
        )
        p = self.kernel_size // 2
        mode = {"periodic": "circular", "zeros": "constant"}.get(self.padding, self.padding)
        xp = F.pad(x, [p, p, p, p], mode=mode)
        w = self.weight - self.weight.sum(dim=(-2, -1), keepdim=True) * _delta(self.kernel_size, self.weight)
        return F.conv2d(xp, w) / h

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"domain_length={self.domain_length}, padding={self.padding!r}"
        )


def _delta(k: int, like: torch.Tensor) -> torch.Tensor:
    d = like.new_zeros(k, k)
    d[k // 2, k // 2] = 1
    return d
