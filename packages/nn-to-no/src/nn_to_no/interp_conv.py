"""Kernel interpolation: a convolution trained at one resolution, re-discretised at another (paper, Sec. 5,
"kernel interpolation"; official ``InterpConv2d``).

At resolution ``r`` the ``k x k`` weights trained at ``r0`` are resampled to ``k' = s (k - 1) + 1`` points per axis
(``s = r / r0``), so the stencil covers the same physical extent, and divided by ``k'^2 / k^2`` (the official code's
quadrature correction; it keeps the sum of the weights, hence the response to constants). At ``s = 1`` the layer is
the original convolution exactly. It is a heuristic, not a discretisation of a fixed integral operator: the kernel it
implies depends on the pixel weights learned at ``r0``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nn_to_no._checks import (
    check_choice,
    check_module_input,
    check_positive_int,
    check_resolution,
    check_tensor,
)
from nn_to_no.resample import resize_fourier


def interpolate_kernel(
    weight: torch.Tensor, size: tuple[int, int], *, interp: str = "fourier"
) -> torch.Tensor:
    """Resample conv weights ``(O, I, k, k)`` to ``(O, I, *size)`` and divide by ``prod(size) / k^2``.

    Args:
        weight: the base-resolution weights.
        size: new kernel size per axis.
        interp: ``"fourier"`` (trigonometric interpolation of the kernel, :func:`~nn_to_no.resample.resize_fourier`)
            or ``"bilinear"`` (end points kept: the kernel spans the same physical extent).

    Returns:
        The resampled and renormalised weights.
    """
    interp = check_choice("interp", interp, ("fourier", "bilinear"))
    check_tensor("weight", weight, ndim=4, finite=False)
    size = check_resolution("size", size)
    if tuple(weight.shape[-2:]) == tuple(size):
        return weight
    if interp == "fourier":
        new = resize_fourier(weight, size, dims=2)
    else:
        new = F.interpolate(weight, size=size, mode="bilinear", align_corners=True)
    return new * (weight.shape[-2] * weight.shape[-1] / (size[0] * size[1]))


class InterpolatedConv2d(nn.Module):
    """A stride-1 "same" convolution whose kernel is interpolated to the input's resolution.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: odd kernel size ``k`` at the base resolution.
        base_resolution: points per axis the weights were trained at (an int, or ``(H, W)``).
        interp: ``"fourier"`` (any resolution) or ``"bilinear"`` (needs ``s (k - 1)`` to be an integer).
        padding_mode: ``"circular"`` (periodic data) or ``"zeros"``.
        bias: learn a bias.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        *,
        base_resolution: int | tuple[int, int],
        interp: str = "fourier",
        padding_mode: str = "circular",
        bias: bool = True,
    ) -> None:
        super().__init__()
        kernel_size = check_positive_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (a centred stencil), got {kernel_size}")
        conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
        self._setup(conv.weight, conv.bias, base_resolution, interp, padding_mode)

    def _setup(
        self,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        base_resolution: int | tuple[int, int],
        interp: str,
        padding_mode: str,
    ) -> None:
        self.weight = weight
        self.bias = bias
        self.base_resolution = check_resolution("base_resolution", base_resolution)
        self.interp = check_choice("interp", interp, ("fourier", "bilinear"))
        self.padding_mode = check_choice("padding_mode", padding_mode, ("circular", "zeros"))
        self.in_channels = int(weight.shape[1])
        self.out_channels = int(weight.shape[0])
        self.kernel_size = int(weight.shape[-1])

    @classmethod
    def from_conv(
        cls, conv: nn.Conv2d, *, base_resolution: int | tuple[int, int], interp: str = "fourier"
    ) -> InterpolatedConv2d:
        """Wrap a trained ``nn.Conv2d`` (its parameters are shared, not copied).

        Args:
            conv: a stride-1, dilation-1 convolution with an odd square kernel and "same" padding.
            base_resolution: resolution the conv was trained at.
            interp: ``"fourier"`` or ``"bilinear"``.

        Returns:
            The converted layer.
        """
        k = conv.kernel_size
        if conv.stride != (1, 1) or conv.dilation != (1, 1) or k[0] != k[1] or k[0] % 2 == 0:
            raise ValueError(
                "kernel interpolation needs a stride-1, dilation-1 conv with an odd square kernel, got "
                f"stride={conv.stride}, dilation={conv.dilation}, kernel_size={k}"
            )
        if conv.groups != 1:
            raise ValueError(f"kernel interpolation supports groups=1 only, got groups={conv.groups}")
        if conv.padding not in ((k[0] // 2, k[1] // 2), "same"):
            raise ValueError(
                f"kernel interpolation needs 'same' padding ({k[0] // 2}), got padding={conv.padding}"
            )
        if conv.padding_mode not in ("circular", "zeros"):
            raise ValueError(f"padding_mode must be 'circular' or 'zeros', got {conv.padding_mode!r}")
        self = cls.__new__(cls)
        nn.Module.__init__(self)
        self._setup(conv.weight, conv.bias, base_resolution, interp, conv.padding_mode)
        return self

    def kernel_size_at(self, shape: tuple[int, int]) -> tuple[int, int]:
        """Kernel size ``k' = s (k - 1) + 1`` per axis at spatial ``shape`` (``s = shape / base_resolution``).

        Args:
            shape: ``(H, W)`` of the input.

        Returns:
            The interpolated kernel size per axis.
        """
        out = []
        for n, r0 in zip(shape, self.base_resolution, strict=True):
            span = n / r0 * (self.kernel_size - 1)
            if self.interp == "bilinear" and abs(span - round(span)) > 1e-9:
                raise ValueError(
                    f"resolution {n} with base_resolution {r0}: s (k - 1) = {span:g} is not an integer, so bilinear "
                    "kernel interpolation has no exact stencil; use interp='fourier' or a resolution that is a "
                    f"multiple of {r0 // math.gcd(r0, self.kernel_size - 1) if self.kernel_size > 1 else 1}"
                )
            out.append(max(1, round(span) + 1))
        return out[0], out[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolve with the kernel interpolated to ``x``'s grid.

        Args:
            x: ``(B, in_channels, H, W)``.

        Returns:
            ``(B, out_channels, H, W)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self)
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x must have {self.in_channels} channels, got {x.shape[1]}")
        size = self.kernel_size_at((int(x.shape[-2]), int(x.shape[-1])))
        w = interpolate_kernel(self.weight, size, interp=self.interp)
        pads = []
        for k in (size[1], size[0]):  # F.pad order: last axis first
            left = (k - 1) // 2
            pads += [left, k - 1 - left]
        if self.padding_mode == "circular":
            x = F.pad(x, pads, mode="circular")
        else:
            x = F.pad(x, pads)
        return F.conv2d(x, w, self.bias)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"base_resolution={self.base_resolution}, interp={self.interp!r}, padding_mode={self.padding_mode!r}"
        )
