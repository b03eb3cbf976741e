"""Krylov matrices by repeated squaring and the FFT causal convolution (the computation of the convolutional view; paper Section 4, Theorem 2, and the official code).

The LSSL's convolution kernel is ``K_i = C Abar^i Bbar`` for ``i < L``, i.e. ``C`` times the Krylov matrix
``(Bbar, Abar Bbar, ..., Abar^{L-1} Bbar)``. Theorem 2 of the paper gives a quasiseparable fast algorithm
whose authors state it is numerically unstable and never used; this package, like the official code, builds
the Krylov matrix by squaring: ``log2 L`` matrix products, ``O(N^2 L)`` work and ``O(N L)`` memory.
"""

from __future__ import annotations

import torch


def krylov(
    L: int, A: torch.Tensor, b: torch.Tensor, c: torch.Tensor | None = None, *, return_power: bool = False
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """``(b, A b, A^2 b, ..., A^{L-1} b)`` as a ``(..., N, L)`` tensor, by repeated squaring.

    ``A`` is ``(..., N, N)`` and ``b`` is ``(..., N)`` (leading dims broadcast). With ``c`` of shape
    ``(..., M, N)`` returns ``c @ K`` of shape ``(..., M, L)``. With ``return_power`` also returns ``A^L``.
    """
    if isinstance(L, bool) or not isinstance(L, int) or L < 1:
        raise ValueError(f"L must be a positive int, got {L!r}")
    x = b[..., None]
    power = A
    while x.shape[-1] < L:
        n = x.shape[-1]
        take = min(n, L - n)
        x = torch.cat([x, power @ x[..., :take]], dim=-1)
        if x.shape[-1] < L or return_power:
            power = power @ power if x.shape[-1] < L else power
    K = x[..., :L]
    out = K if c is None else c @ K
    if return_power:
        return out, torch.linalg.matrix_power(A, L)
    return out


def krylov_sequential(L: int, A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The Krylov matrix by ``L - 1`` matrix-vector products (the reference for :func:`krylov`)."""
    if isinstance(L, bool) or not isinstance(L, int) or L < 1:
        raise ValueError(f"L must be a positive int, got {L!r}")
    cols = [b]
    for _ in range(L - 1):
        cols.append((A @ cols[-1][..., None])[..., 0])
    return torch.stack(cols, dim=-1)


def causal_conv(u: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Causal convolution ``y_t = sum_{i <= t} k_i u_{t-i}`` along the last dim, by zero-padded rFFT of size 2L.

    ``u`` is ``(..., L)`` and ``k`` is ``(..., L)`` (broadcast); half-precision inputs are computed in float32
    and cast back.
    """
    L = u.shape[-1]
    if k.shape[-1] != L:
        raise ValueError(f"kernel length must equal sequence length {L}, got {k.shape[-1]}")
    try:
        torch.broadcast_shapes(u.shape, k.shape)
    except RuntimeError:
        raise ValueError(
            f"u (..., L) and k (..., L) must broadcast (e.g. u (B, H, L), k (H, L)), got shapes "
            f"{tuple(u.shape)} and {tuple(k.shape)}"
        ) from None
    out_dtype = torch.promote_types(u.dtype, k.dtype)
    if u.numel() == 0 or k.numel() == 0:  # an empty batch: an empty answer (the FFT libraries refuse size 0)
        shape = torch.broadcast_shapes(u.shape, k.shape)
        return torch.zeros(shape, dtype=out_dtype, device=u.device)
    work = torch.float32 if out_dtype in (torch.float16, torch.bfloat16) else out_dtype
    uf = torch.fft.rfft(u.to(work), n=2 * L)
    kf = torch.fft.rfft(k.to(work), n=2 * L)
    return torch.fft.irfft(uf * kf, n=2 * L)[..., :L].to(out_dtype)
