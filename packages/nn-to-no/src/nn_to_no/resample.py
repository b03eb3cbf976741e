"""Resolution changes that are operators: Fourier resampling (band-limited) and periodic linear interpolation.

They replace pooling / stride-2 convolutions / pixel up-sampling, whose meaning depends on the grid spacing (paper,
Sec. 4, "resampling"), and are the two interpolations of the input-output and kernel-interpolation baselines.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nn_to_no._checks import (
    check_choice,
    check_positive_float,
    check_positive_int,
    check_spatial_dims,
    check_tensor,
)


def _sizes(x: torch.Tensor, size: int | Sequence[int], dims: int) -> tuple[int, ...]:
    check_spatial_dims("dims", dims)
    check_tensor("x", x, ndim=tuple(range(dims + 1, dims + 6)), finite=False)
    if isinstance(size, int):
        size = (size,) * dims
    if isinstance(size, (str, bytes)) or not isinstance(size, Sequence):
        raise ValueError(f"size must be a positive int or a sequence of {dims} of them, got {size!r}")
    size = tuple(size)
    if len(size) != dims:
        raise ValueError(f"size must have {dims} entries (one per spatial axis), got {size}")
    for s in size:
        check_positive_int("size", s)
    if x.ndim < dims + 1:
        raise ValueError(f"x must have a batch axis and {dims} spatial axes, got shape {tuple(x.shape)}")
    return size


def resize_fourier(x: torch.Tensor, size: int | Sequence[int], *, dims: int = 2) -> torch.Tensor:
    """Resample periodic samples to ``size`` by truncating / zero-padding the Fourier series.

    Keeps the modes ``|k_i| <= (min(N_i, M_i) - 1) // 2`` of each axis (the Nyquist mode of an even grid is dropped,
    since it is not a real-valued mode on the other grid), so a band-limited signal is resampled exactly, the mean is
    preserved, and ``N -> 2N -> N`` is the identity on signals without a Nyquist component. Down-sampling is
    anti-aliased (the truncation is an L2 projection). The official code's ``resize`` is the same idea with rfft.

    Args:
        x: ``(..., *spatial)`` real tensor; the last ``dims`` axes are periodic grids.
        size: target points per axis (an int for all axes or a sequence).
        dims: number of trailing spatial axes.

    Returns:
        ``(..., *size)`` samples of the same trigonometric polynomial (truncated where the target is coarser).
    """
    size = _sizes(x, size, dims)
    src = tuple(x.shape[-dims:])
    if src == size:
        return x
    if x.numel() == 0:  # FFT backends refuse empty batches
        return x.new_zeros((*x.shape[:-dims], *size))
    axes = tuple(range(-dims, 0))
    dtype = x.dtype
    xf = x.float() if dtype in (torch.float16, torch.bfloat16) else x  # keep FFTs in fp32 or better
    coef = torch.fft.fftn(xf, dim=axes, norm="forward")
    for ax, n, m in zip(axes, src, size, strict=True):
        keep = (min(n, m) - 1) // 2
        pos = coef.narrow(ax, 0, keep + 1)
        neg = coef.narrow(ax, n - keep, keep)
        shape = list(coef.shape)
        shape[ax] = m - 2 * keep - 1
        zeros = coef.new_zeros(shape)
        coef = torch.cat([pos, zeros, neg], dim=ax)
    out = torch.fft.ifftn(coef, dim=axes, norm="forward").real
    return out.to(dtype)


def resize_linear(x: torch.Tensor, size: int | Sequence[int], *, dims: int = 2) -> torch.Tensor:
    """Periodic (bi)linear interpolation to ``size``: target point ``j L / M`` read between its two source neighbours.

    Grid points sit at ``i h`` (not at cell centres), so ``N -> kN`` keeps every source value. Down-sampling only
    reads values (no anti-aliasing), as a pixel-space interpolation does.

    Args:
        x: ``(..., *spatial)`` tensor; the last ``dims`` axes are periodic grids.
        size: target points per axis.
        dims: number of trailing spatial axes.

    Returns:
        ``(..., *size)`` interpolated samples.
    """
    size = _sizes(x, size, dims)
    out = x
    for ax, m in zip(range(-dims, 0), size, strict=True):
        n = out.shape[ax]
        if n == m:
            continue
        t = torch.arange(m, device=x.device, dtype=torch.float64) * (n / m)
        i0 = torch.floor(t).long()
        frac = (t - i0).to(x.dtype)
        lo = out.index_select(ax, i0 % n)
        hi = out.index_select(ax, (i0 + 1) % n)
        shape = [1] * out.ndim
        shape[ax] = m
        frac = frac.reshape(shape)
        out = lo + (hi - lo) * frac
    return out


def resize(
    x: torch.Tensor, size: int | Sequence[int], *, mode: str = "fourier", dims: int = 2
) -> torch.Tensor:
    """Resample to ``size`` with ``mode="fourier"`` (:func:`resize_fourier`) or ``"linear"`` (:func:`resize_linear`).

    Args:
        x: ``(..., *spatial)`` tensor.
        size: target points per axis.
        mode: ``"fourier"`` or ``"linear"`` (``"bilinear"`` is accepted as an alias).
        dims: number of trailing spatial axes.

    Returns:
        The resampled tensor.
    """
    mode = check_choice("mode", mode, ("fourier", "linear", "bilinear"))
    if mode == "fourier":
        return resize_fourier(x, size, dims=dims)
    return resize_linear(x, size, dims=dims)


class FourierResample(nn.Module):
    """Resample a ``(B, C, N, N)`` function to a fixed ``size`` or by a ``scale`` factor (pooling / unpooling as an
    operator: down = Fourier truncation, up = zero-padding).

    Args:
        size: target points per axis (exclusive with ``scale``).
        scale: target / input points per axis, e.g. ``0.5`` for a 2x down-sampling (rounded to an integer size).
        mode: ``"fourier"`` (default) or ``"linear"``.
    """

    def __init__(self, *, size: int | None = None, scale: float | None = None, mode: str = "fourier") -> None:
        super().__init__()
        if (size is None) == (scale is None):
            raise ValueError("give exactly one of size and scale")
        self.size = None if size is None else check_positive_int("size", size)
        self.scale = None if scale is None else check_positive_float("scale", scale)
        self.mode = check_choice("mode", mode, ("fourier", "linear", "bilinear"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Resample the last two axes.

        Args:
            x: ``(B, C, H, W)`` input.

        Returns:
            ``(B, C, size, size)`` or the input scaled by ``scale``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        if self.size is not None:
            target: tuple[int, ...] = (self.size, self.size)
        else:
            assert self.scale is not None
            target = tuple(max(1, round(n * self.scale)) for n in x.shape[-2:])
        return resize(x, target, mode=self.mode, dims=2)

    def extra_repr(self) -> str:
        return f"size={self.size}, scale={self.scale}, mode={self.mode!r}"
