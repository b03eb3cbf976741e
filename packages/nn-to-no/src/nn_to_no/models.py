"""Small 2-D networks for the discretisation-invariance study: a plain CNN (pixel kernels) and the same CNN with
integral-kernel layers (physical kernels), plus a resolution-agnostic U-Net built from the converted layers."""

from __future__ import annotations

import torch
from torch import nn

from nn_to_no._checks import (
    check_choice,
    check_module_input,
    check_positive_float,
    check_positive_int,
    check_tensor,
)
from nn_to_no.integral import IntegralConv2d
from nn_to_no.resample import FourierResample


class ConvNet(nn.Module):
    """``depth x [spatial layer (width) + GELU]`` followed by a 1x1 head.

    ``layer="conv"`` is the plain CNN: ``k x k`` convolutions whose kernels are defined in pixels, so the operator it
    implements changes with the grid. ``layer="integral"`` uses :class:`~nn_to_no.integral.IntegralConv2d` with a
    physical ``radius``: one operator at every resolution.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        width: hidden channels.
        depth: spatial layers.
        layer: ``"conv"`` or ``"integral"``.
        kernel_size: pixel kernel size (``layer="conv"``).
        padding_mode: ``"circular"`` (periodic data) or ``"zeros"`` (``layer="conv"``; integral layers use
            ``"periodic"`` / ``"zeros"`` accordingly).
        radius: physical kernel radius (``layer="integral"``).
        n_basis: basis functions per axis of the integral kernel.
        basis: integral-kernel basis, ``"piecewise_linear"`` or ``"radial"``.
        domain_length: side length of the domain (``layer="integral"``).
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        *,
        width: int = 32,
        depth: int = 4,
        layer: str = "conv",
        kernel_size: int = 3,
        padding_mode: str = "circular",
        radius: float = 3 / 32,
        n_basis: int = 3,
        basis: str = "piecewise_linear",
        domain_length: float = 1.0,
    ) -> None:
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        width = check_positive_int("width", width)
        depth = check_positive_int("depth", depth)
        self.layer = check_choice("layer", layer, ("conv", "integral"))
        padding_mode = check_choice("padding_mode", padding_mode, ("circular", "zeros"))
        kernel_size = check_positive_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        layers: list[nn.Module] = []
        c = in_channels
        for _ in range(depth):
            if layer == "conv":
                layers.append(
                    nn.Conv2d(c, width, kernel_size, padding=kernel_size // 2, padding_mode=padding_mode)  # type: ignore[arg-type]
                )
            else:
                layers.append(
                    IntegralConv2d(
                        c,
                        width,
                        radius=check_positive_float("radius", radius),
                        n_basis=n_basis,
                        basis=basis,
                        domain_length=domain_length,
                        padding="periodic" if padding_mode == "circular" else "zeros",
                    )
                )
            layers.append(nn.GELU())
            c = width
        layers.append(nn.Conv2d(c, out_channels, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the network.

        Args:
            x: ``(B, in_channels, N, N)``.

        Returns:
            ``(B, out_channels, N, N)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self)
        return self.net(x)


class UNetOperator(nn.Module):
    """A U-Net whose every piece is an operator: integral-kernel convolutions with physical radii, Fourier
    down-/up-sampling by a factor 2 per level (instead of pooling / transposed convs), pointwise skips merged by
    concatenation. The physical radius doubles with each level, as the pixel receptive field of a U-Net does.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        width: channels at the first level (doubled per level).
        levels: down-sampling levels.
        radius: kernel radius at the first level (physical units).
        n_basis: basis functions per axis of the integral kernels.
        domain_length: side length of the periodic domain.
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        *,
        width: int = 16,
        levels: int = 2,
        radius: float = 3 / 32,
        n_basis: int = 3,
        domain_length: float = 1.0,
    ) -> None:
        super().__init__()
        width = check_positive_int("width", width)
        self.levels = check_positive_int("levels", levels)
        check_positive_float("radius", radius)

        def block(ci: int, co: int, r: float) -> nn.Module:
            return nn.Sequential(
                IntegralConv2d(ci, co, radius=r, n_basis=n_basis, domain_length=domain_length),
                nn.GELU(),
                IntegralConv2d(co, co, radius=r, n_basis=n_basis, domain_length=domain_length),
                nn.GELU(),
            )

        self.down = nn.ModuleList()
        self.up = nn.ModuleList()
        c, r = in_channels, radius
        chans = []
        for i in range(levels):
            self.down.append(block(c, width * 2**i, r))
            c = width * 2**i
            chans.append(c)
            r *= 2
        self.mid = block(c, c, r)
        for i in reversed(range(levels)):
            r /= 2
            self.up.append(block(c + chans[i], chans[i], r))
            c = chans[i]
        self.head = nn.Conv2d(c, out_channels, 1)
        self.pool = FourierResample(scale=0.5)
        self.unpool = FourierResample(scale=2.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the U-Net.

        Args:
            x: ``(B, in_channels, N, N)`` with ``N`` divisible by ``2**levels``.

        Returns:
            ``(B, out_channels, N, N)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self)
        if x.shape[-1] % 2**self.levels or x.shape[-2] % 2**self.levels:
            raise ValueError(
                f"x's grid must be divisible by 2**levels = {2**self.levels}, got {tuple(x.shape[-2:])}"
            )
        skips = []
        for blk in self.down:
            x = blk(x)
            skips.append(x)
            x = self.pool(x)
        x = self.mid(x)
        for blk in self.up:
            x = blk(torch.cat([self.unpool(x), skips.pop()], dim=1))
        return self.head(x)
