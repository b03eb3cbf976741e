"""Attention as a kernel integral with quadrature weights, and coordinate-based positional encodings (paper,
Sec. 4.2, "transformers")."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nn_to_no._checks import check_module_input, check_positive_float, check_positive_int, check_tensor


class IntegralAttention(nn.Module):
    """``out(x) = int k(x, y) v(y) dy / int k(x, y) dy`` with ``k(x, y) = exp(q(x) . k(y) / sqrt(d))``, both integrals
    discretised with quadrature weights ``w_y``: ``softmax(q k^T / sqrt(d) + log w) v``.

    On a uniform grid the weights cancel and the layer is standard multi-head softmax attention over points; on
    non-uniform point sets they make the result a discretisation of one integral operator.

    Args:
        channels: feature channels (``heads`` must divide it).
        heads: attention heads.
        bias: bias in the q/k/v/out projections.
    """

    def __init__(self, channels: int, *, heads: int = 4, bias: bool = True) -> None:
        super().__init__()
        self.channels = check_positive_int("channels", channels)
        self.heads = check_positive_int("heads", heads)
        if channels % heads:
            raise ValueError(f"channels ({channels}) must be divisible by heads ({heads})")
        self.qkv = nn.Linear(channels, 3 * channels, bias=bias)
        self.out = nn.Linear(channels, channels, bias=bias)

    def forward(self, x: torch.Tensor, *, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Attend over the points of ``x``.

        Args:
            x: ``(B, C, *spatial)`` samples on a grid (points are flattened) or ``(B, N, C)`` with ``channels_last``
                points when ``x.ndim == 3`` and ``x.shape[-1] == channels``.
            weights: quadrature weights ``(N,)`` or ``(B, N)`` (positive); ``None`` means uniform.

        Returns:
            Same shape as ``x``.
        """
        check_tensor("x", x, ndim=(3, 4, 5), finite=False)
        check_module_input("x", x, self)
        tokens = x.ndim == 3 and x.shape[-1] == self.channels
        if not tokens and x.shape[1] != self.channels:
            raise ValueError(f"x must have {self.channels} channels, got shape {tuple(x.shape)}")
        t = x if tokens else x.flatten(2).transpose(1, 2)
        b, n, c = t.shape
        q, k, v = self.qkv(t).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        mask = None
        if weights is not None:
            weights = check_tensor("weights", weights, ndim=(1, 2))
            if weights.shape[-1] != n or (weights.ndim == 2 and weights.shape[0] != b):
                raise ValueError(f"weights must have shape ({n},) or ({b}, {n}), got {tuple(weights.shape)}")
            if (weights <= 0).any():
                raise ValueError("weights must be positive")
            mask = torch.log(weights / weights.sum(-1, keepdim=True)).to(q.dtype)
            mask = mask.reshape(-1, 1, 1, n)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = self.out(y.transpose(1, 2).reshape(b, n, c))
        return y if tokens else y.transpose(1, 2).reshape(x.shape)

    def extra_repr(self) -> str:
        return f"{self.channels}, heads={self.heads}"


class GridEmbedding(nn.Module):
    """Concatenate the physical coordinates (and optionally Fourier features of them) to the channels: a positional
    encoding that is a function on the domain, not a per-index table.

    Args:
        domain_length: side length ``L`` of ``[0, L)^2``.
        n_frequencies: also append ``sin / cos(2 pi j x / L)`` for ``j = 1..n_frequencies`` per axis.
    """

    def __init__(self, *, domain_length: float = 1.0, n_frequencies: int = 0) -> None:
        super().__init__()
        self.domain_length = check_positive_float("domain_length", domain_length)
        if isinstance(n_frequencies, bool) or not isinstance(n_frequencies, int) or n_frequencies < 0:
            raise ValueError(f"n_frequencies must be an integer >= 0, got {n_frequencies!r}")
        self.n_frequencies = n_frequencies

    def extra_channels(self) -> int:
        """Channels appended to the input.

        Returns:
            ``2 + 4 n_frequencies``.
        """
        return 2 + 4 * self.n_frequencies

    def forward(self, x: torch.Tensor, *, coords: torch.Tensor | None = None) -> torch.Tensor:
        """Append the coordinate channels.

        Args:
            x: ``(B, C, H, W)``.
            coords: ``(2, H, W)`` or ``(B, 2, H, W)`` coordinates (default: the periodic grid ``i L / N``).

        Returns:
            ``(B, C + extra_channels(), H, W)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        b, _, h, w = x.shape
        if coords is None:
            ys = torch.arange(h, device=x.device, dtype=x.dtype) * (self.domain_length / h)
            xs = torch.arange(w, device=x.device, dtype=x.dtype) * (self.domain_length / w)
            coords = torch.stack(torch.meshgrid(ys, xs, indexing="ij"))
        else:
            check_tensor("coords", coords, ndim=(3, 4))
            if tuple(coords.shape[-3:]) != (2, h, w) or (coords.ndim == 4 and coords.shape[0] != b):
                raise ValueError(
                    f"coords must have shape (2, {h}, {w}) or ({b}, 2, {h}, {w}), got {tuple(coords.shape)}"
                )
            coords = coords.to(dtype=x.dtype, device=x.device)
        coords = coords.expand(b, 2, h, w)
        feats = [coords]
        for j in range(1, self.n_frequencies + 1):
            ang = 2 * math.pi * j * coords / self.domain_length
            feats += [torch.sin(ang), torch.cos(ang)]
        return torch.cat([x, *feats], dim=1)

    def extra_repr(self) -> str:
        return f"domain_length={self.domain_length}, n_frequencies={self.n_frequencies}"
