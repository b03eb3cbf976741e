"""Relative L2 and H1 errors of operator learning (the metrics of the paper's tables; FNO's ``LpLoss`` and
``HsLoss``, which MgNO's code reuses).

``rel_l2(pred, target) = ||pred - target|| / ||target||`` per sample over all non-batch dimensions.
``rel_h1`` measures the same ratio in the (spectral) H1 norm: with the 2-D FFT over the last two dimensions and
integer wavenumbers ``k``, ``||v||_{H1}^2 = sum_k (1 + a^2 |k|^2) |v_hat(k)|^2`` (optionally only ``|k_x|, |k_y| <
k_max``). The spectral form assumes periodicity; on Dirichlet data it is the usual heuristic of these papers.
"""

from __future__ import annotations

import math

import torch


def _check_pair(pred: torch.Tensor, target: torch.Tensor, min_dim: int) -> None:
    if not isinstance(pred, torch.Tensor) or not isinstance(target, torch.Tensor):
        raise TypeError(
            f"pred and target must be torch tensors, got {type(pred).__name__} and {type(target).__name__}"
        )
    if not (pred.is_floating_point() or pred.is_complex()) or not (
        target.is_floating_point() or target.is_complex()
    ):
        raise TypeError(
            f"pred and target must be floating-point tensors, got dtypes {pred.dtype} and {target.dtype}"
        )
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    if pred.ndim < min_dim:
        raise ValueError(
            f"pred must have at least {min_dim} dimensions (batch first), got shape {tuple(pred.shape)}"
        )


def _check_scalar(name: str, v: object) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")


def _reduce(per_sample: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return per_sample.mean()
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "none":
        return per_sample
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def rel_l2(
    pred: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean", eps: float = 0.0
) -> torch.Tensor:
    """Relative L2 error per sample, ``||pred - target||_2 / ||target||_2``.

    Args:
        pred: predictions (B, ...).
        target: targets of the same shape.
        reduction: ``"mean"`` (the paper's tables), ``"sum"`` (FNO's training loss) or ``"none"`` (B,).
        eps: added to the denominator.

    Returns:
        A scalar, or (B,) for ``reduction="none"``.
    """
    _check_pair(pred, target, 2)
    _check_scalar("eps", eps)
    diff = (pred - target).flatten(1).norm(dim=1)
    ref = target.flatten(1).norm(dim=1)
    return _reduce(diff / (ref + eps), reduction)


def h1_weights(
    h: int,
    w: int,
    *,
    a: float = 1.0,
    k_max: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """``sqrt(1 + a^2 (k_x^2 + k_y^2))`` on the FFT grid (H, W), zero where ``|k_x|`` or ``|k_y| >= k_max``.

    Args:
        h: grid rows.
        w: grid columns.
        a: weight of the gradient part.
        k_max: keep only wavenumbers with ``|k| < k_max`` per direction (None: all).
        device: device of the result.
        dtype: dtype of the result.

    Returns:
        The weights (H, W).
    """
    kx = torch.fft.fftfreq(h, d=1.0 / h, device=device, dtype=dtype)
    ky = torch.fft.fftfreq(w, d=1.0 / w, device=device, dtype=dtype)
    k2 = kx[:, None] ** 2 + ky[None, :] ** 2
    weight = torch.sqrt(1.0 + a * a * k2)
    if k_max is not None:
        keep = (kx[:, None].abs() < k_max) & (ky[None, :].abs() < k_max)
        weight = weight * keep
    return weight


def rel_h1(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    a: float = 1.0,
    k_max: int | None = None,
    reduction: str = "mean",
    eps: float = 0.0,
) -> torch.Tensor:
    """Relative spectral H1 error per sample over the last two (spatial) dimensions.

    Args:
        pred: predictions (B, ..., H, W).
        target: targets of the same shape.
        a: weight of the gradient part (FNO's ``HsLoss`` default 1).
        k_max: truncate to wavenumbers ``|k_x|, |k_y| < k_max`` (None: all).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        eps: added to the denominator.

    Returns:
        A scalar, or (B,) for ``reduction="none"``.
    """
    _check_pair(pred, target, 3)
    _check_scalar("eps", eps)
    _check_scalar("a", a)
    if k_max is not None and (isinstance(k_max, bool) or not isinstance(k_max, int) or k_max < 1):
        raise ValueError(f"k_max must be a positive int or None, got {k_max!r}")
    h, w = pred.shape[-2:]
    real = pred.dtype if pred.is_floating_point() else torch.float32
    weight = h1_weights(h, w, a=a, k_max=k_max, device=pred.device, dtype=real)
    diff = torch.fft.fft2(pred - target, norm="ortho") * weight
    ref = torch.fft.fft2(target, norm="ortho") * weight
    num = diff.abs().flatten(1).norm(dim=1)
    den = ref.abs().flatten(1).norm(dim=1)
    return _reduce(num / (den + eps), reduction)


LOSSES = {"l2": rel_l2, "h1": rel_h1}
