"""Local integral operators with kernels in physical coordinates (DISCO-style convolution; paper, Sec. 4.1).

``(K v)(x) = int k(y - x) v(y) dy`` with ``k(z) = sum_b theta_b phi_b(z)``: the basis functions ``phi_b`` live in
physical units and vanish at the cut-off ``radius``, and the integral is discretised with the quadrature weights of
the grid (``h^2`` on a uniform periodic grid). At spacing ``h`` the layer is a convolution with the stencil
``K_h[a, b] = h^2 sum_b theta_b phi_b(a h, b h)``, whose size grows like ``radius / h``: for fixed ``theta`` the output
converges to the integral as ``h -> 0`` (a trained layer is a discretisation of one operator).
"""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from nn_to_no._checks import (
    check_choice,
    check_module_input,
    check_positive_float,
    check_positive_int,
    check_square,
    check_tensor,
)


def _hat(t: torch.Tensor) -> torch.Tensor:
    return (1 - t.abs()).clamp_min(0)


def basis_values(
    offsets: torch.Tensor, *, radius: float, basis: str = "piecewise_linear", n_basis: int = 3
) -> torch.Tensor:
    """Values of the kernel basis at physical offsets.

    ``"piecewise_linear"``: tensor products ``hat((z_1 - c_i) / d) hat((z_2 - c_j) / d)`` on ``n_basis x n_basis``
    nodes ``c = (-(n-1)/2 ... (n-1)/2) d`` with ``d = 2 radius / (n_basis + 1)``: a bilinear kernel on the square of
    half-width ``radius``, zero on its boundary. ``"radial"``: hat functions of ``|z|`` at ``n_basis`` rings
    ``j d`` (``d = radius / n_basis``), isotropic and zero at ``|z| = radius`` (DISCO's piecewise-linear radial basis).

    Args:
        offsets: ``(..., 2)`` physical offsets ``z``.
        radius: cut-off radius (physical units).
        basis: ``"piecewise_linear"`` or ``"radial"``.
        n_basis: basis functions per axis (``"piecewise_linear"``) or rings (``"radial"``).

    Returns:
        ``(n_functions, ...)``: ``n_basis**2`` or ``n_basis`` basis values per offset.
    """
    if basis == "piecewise_linear":
        d = 2 * radius / (n_basis + 1)
        nodes = (torch.arange(n_basis, dtype=offsets.dtype, device=offsets.device) - (n_basis - 1) / 2) * d
        h1 = _hat((offsets[..., 0][None] - nodes.reshape(-1, *([1] * (offsets.ndim - 1)))) / d)
        h2 = _hat((offsets[..., 1][None] - nodes.reshape(-1, *([1] * (offsets.ndim - 1)))) / d)
        return (h1[:, None] * h2[None, :]).reshape(n_basis * n_basis, *offsets.shape[:-1])
    d = radius / n_basis
    r = offsets.norm(dim=-1)
    rings = torch.arange(n_basis, dtype=offsets.dtype, device=offsets.device) * d
    return _hat((r[None] - rings.reshape(-1, *([1] * r.ndim))) / d)


class IntegralConv2d(nn.Module):
    """Integral-kernel convolution ``(K v)(x) = int k(y - x) v(y) dy`` on ``[0, L)^2`` (paper, Sec. 4.1, Eq. for the
    local integral operator; the official code uses neuralop's DISCO convolution for it).

    The kernel is ``k(z) = d^-2 sum_b theta_b phi_b(z)`` with ``d`` the spacing of the basis nodes (a fixed rescaling
    that gives ``theta`` the scale of ordinary conv weights).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        radius: physical cut-off of the kernel (same units as ``domain_length``).
        basis: ``"piecewise_linear"`` (anisotropic, bilinear on a square of half-width ``radius``) or ``"radial"``.
        n_basis: basis functions per axis (piecewise linear) or rings (radial).
        domain_length: side length ``L`` of the periodic domain; the grid spacing is ``h = L / N``.
        padding: ``"periodic"`` (the domain is a torus) or ``"zeros"`` (functions extended by zero outside).
        bias: add a learned bias per output channel.
        basis_norm: ``"individual"`` (default, as neuralop's ``DiscreteContinuousConv2d``): each basis function is
            divided by its quadrature integral on the current grid, so every discretised basis function integrates to
            one at every resolution; ``"mean"``: divided by the mean of those integrals; ``"none"``: the plain
            quadrature ``h^2 phi_b / d^2``.
        fft_threshold: use an FFT convolution (periodic padding only) when the stencil is wider than this many
            points; the cost of the direct one grows like ``(radius / h)^2`` per point.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        radius: float,
        basis: str = "piecewise_linear",
        n_basis: int = 3,
        domain_length: float = 1.0,
        padding: str = "periodic",
        bias: bool = True,
        basis_norm: str = "individual",
        fft_threshold: int = 9,
    ) -> None:
        super().__init__()
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.out_channels = check_positive_int("out_channels", out_channels)
        self.radius = check_positive_float("radius", radius)
        self.basis = check_choice("basis", basis, ("piecewise_linear", "radial"))
        self.n_basis = check_positive_int("n_basis", n_basis)
        self.domain_length = check_positive_float("domain_length", domain_length)
        self.padding = check_choice("padding", padding, ("periodic", "zeros"))
        self.fft_threshold = check_positive_int("fft_threshold", fft_threshold)
        self.basis_norm = check_choice("basis_norm", basis_norm, ("individual", "mean", "none"))
        n_fun = n_basis * n_basis if basis == "piecewise_linear" else n_basis
        # k(z) = sum_b theta_b phi_b(z) / d^2 with d the node spacing: theta is stored in units where, at h = d, the
        # stencil is theta itself, so theta has a conv-like (Kaiming-uniform) scale and Adam's steps are conv-like
        d = 2 * radius / (n_basis + 1) if basis == "piecewise_linear" else radius / n_basis
        self.node_spacing = d
        bound = 1.0 / math.sqrt(in_channels * n_fun)
        self.theta = nn.Parameter(torch.empty(out_channels, in_channels, n_fun).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def half_width(self, n: int) -> int:
        """Stencil half-width (points) at ``n`` points per axis: offsets ``|a h| < radius``.

        Args:
            n: points per axis.

        Returns:
            The largest ``m`` with ``m h < radius``.
        """
        h = self.domain_length / n
        return max(0, math.ceil(self.radius / h - 1e-9) - 1)

    def stencil(self, n: int, *, dtype: torch.dtype | None = None) -> torch.Tensor:
        """The discretised kernel ``K_h`` (quadrature weight ``h^2`` included) at ``n`` points per axis.

        Args:
            n: points per axis (``h = L / n``).
            dtype: dtype of the stencil (default: that of ``theta``).

        Returns:
            ``(out_channels, in_channels, 2m + 1, 2m + 1)`` stencil for :func:`torch.nn.functional.conv2d`.
        """
        h = self.domain_length / n
        m = self.half_width(n)
        dtype = dtype or self.theta.dtype
        a = torch.arange(-m, m + 1, device=self.theta.device, dtype=dtype) * h
        offsets = torch.stack(torch.meshgrid(a, a, indexing="ij"), dim=-1)
        phi = basis_values(offsets, radius=self.radius, basis=self.basis, n_basis=self.n_basis)
        if self.basis_norm == "none":
            phi = phi * (h * h / self.node_spacing**2)
        else:
            # quadrature integral of each basis function on this grid, relative to its continuous value d^2
            mass = phi.sum(dim=(1, 2)) * (h * h / self.node_spacing**2)
            if self.basis_norm == "mean":
                mass = mass.mean().expand_as(mass)
            phi = phi * (h * h / self.node_spacing**2) / mass.clamp_min(1e-12)[:, None, None]
        return torch.einsum("oib,bxy->oixy", self.theta.to(dtype), phi)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the integral operator on the grid of ``x``.

        Args:
            x: ``(B, in_channels, N, N)`` samples on a uniform grid of ``[0, L)^2``.

        Returns:
            ``(B, out_channels, N, N)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self, dtype=False)
        n = check_square("x", x)
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x must have {self.in_channels} channels, got {x.shape[1]}")
        m = self.half_width(n)
        if m == 0:
            warnings.warn(
                f"IntegralConv2d: radius {self.radius} is smaller than the grid spacing {self.domain_length / n}; "
                "the kernel reduces to a pointwise map at this resolution",
                stacklevel=2,
            )
        k = self.stencil(n, dtype=x.dtype)
        if self.padding == "periodic" and 2 * m + 1 > self.fft_threshold:
            y = _fft_conv_periodic(x, k)
        elif self.padding == "periodic":
            y = F.conv2d(_pad_periodic(x, m), k)
        else:
            y = F.conv2d(x, k, padding=m)
        if self.bias is not None:
            y = y + self.bias.to(y.dtype)[:, None, None]
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, radius={self.radius}, basis={self.basis!r}, "
            f"n_basis={self.n_basis}, basis_norm={self.basis_norm!r}, domain_length={self.domain_length}, "
            f"padding={self.padding!r}"
        )


def _pad_periodic(x: torch.Tensor, m: int) -> torch.Tensor:
    """Circular padding that also works when ``m`` exceeds the grid (wraps several times)."""
    if m == 0:
        return x
    n = x.shape[-1]
    idx = torch.arange(-m, n + m, device=x.device) % n
    return x.index_select(-1, idx).index_select(-2, idx)


def _fft_conv_periodic(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Circular cross-correlation ``y[o, p] = sum_{i, a} k[o, i, a] x[i, p + a]`` via FFT (same as conv2d of the
    periodically padded input); computed in float32 or better, outside autocast."""
    dtype = x.dtype
    work = torch.float64 if dtype == torch.float64 else torch.float32
    with torch.autocast(device_type=x.device.type, enabled=False):
        x, k = x.to(work), k.to(work)
        n = x.shape[-1]
        m = (k.shape[-1] - 1) // 2
        a = torch.arange(-m, m + 1, device=x.device) % n
        # several offsets may land on the same cell when the stencil is wider than the grid: accumulate them
        ia = a[:, None].expand(-1, 2 * m + 1).reshape(-1)
        ib = a[None, :].expand(2 * m + 1, -1).reshape(-1)
        kk = x.new_zeros(k.shape[0], k.shape[1], n * n)
        kk = kk.index_add(2, ia * n + ib, k.reshape(k.shape[0], k.shape[1], -1))
        kf = torch.fft.rfft2(kk.reshape(k.shape[0], k.shape[1], n, n))
        xf = torch.fft.rfft2(x)
        # correlation (conjugate kernel transform); per frequency a (B, I) @ (I, O) product, batched over frequencies
        yf = torch.matmul(xf.permute(2, 3, 0, 1), kf.conj().permute(2, 3, 1, 0)).permute(2, 3, 0, 1)
        return torch.fft.irfft2(yf, s=(n, n)).to(dtype)
