"""Function-space losses: quadrature L2 norms that do not depend on the resolution (paper, Sec. 4, "losses")."""

from __future__ import annotations

import math

import torch

from nn_to_no._checks import check_positive_float, check_spatial_dims, check_tensor


def _check_pair(pred: torch.Tensor, target: torch.Tensor, spatial_dims: int) -> None:
    check_spatial_dims("spatial_dims", spatial_dims)
    check_tensor("pred", pred, ndim=tuple(range(spatial_dims + 1, spatial_dims + 3)), finite=False)
    check_tensor("target", target, ndim=tuple(range(spatial_dims + 1, spatial_dims + 3)), finite=False)
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
        )


def _sq_norm(x: torch.Tensor, domain_length: float, spatial_dims: int) -> torch.Tensor:
    n_points = 1
    for s in x.shape[-spatial_dims:]:
        n_points *= s
    cell = domain_length**spatial_dims / n_points  # h^d on a periodic grid
    return (x.abs() ** 2).flatten(1).sum(1) * cell


def function_l2(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    domain_length: float = 1.0,
    spatial_dims: int = 2,
    squared: bool = True,
    reduction: str = "mean",
) -> torch.Tensor:
    """Absolute function-space L2 error ``||pred - target||_{L2}`` by periodic quadrature (weights ``h^d``).

    The official code trains with this loss (``LpLossAbs``: Euclidean norm times ``(prod h_i)^(1/2)``, squared), so
    that losses at different resolutions measure the same quantity. ``function_l2(1, 0)`` is ``L^d`` at every grid.

    Args:
        pred: ``(B, *channels, *spatial)`` predictions.
        target: same shape as ``pred``.
        domain_length: side length ``L`` of the periodic domain ``[0, L)^d``.
        spatial_dims: number of trailing spatial axes ``d``.
        squared: return the squared norm (the training loss) instead of the norm.
        reduction: ``"mean"`` or ``"sum"`` over the batch, or ``"none"`` for one value per sample.

    Returns:
        The (squared) L2 error, reduced over the batch.
    """
    _check_pair(pred, target, spatial_dims)
    domain_length = check_positive_float("domain_length", domain_length)
    sq = _sq_norm(pred - target, domain_length, spatial_dims)
    out = sq if squared else sq.sqrt()
    return _reduce(out, reduction)


def rel_l2(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    spatial_dims: int = 2,
    reduction: str = "mean",
    eps: float = 1e-12,
) -> torch.Tensor:
    """Relative L2 error ``||pred - target|| / ||target||`` per sample (the evaluation metric; resolution-free).

    Args:
        pred: ``(B, *channels, *spatial)`` predictions.
        target: same shape as ``pred``.
        spatial_dims: number of trailing spatial axes.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` over the batch.
        eps: guards a zero target norm.

    Returns:
        The relative error, reduced over the batch.
    """
    _check_pair(pred, target, spatial_dims)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    num = _sq_norm(pred - target, 1.0, spatial_dims).sqrt()
    den = _sq_norm(target, 1.0, spatial_dims).sqrt().clamp_min(eps)
    return _reduce(num / den, reduction)


def _reduce(x: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return x.mean()
    if reduction == "sum":
        return x.sum()
    if reduction == "none":
        return x
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
