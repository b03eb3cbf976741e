"""Discretisation-invariance evaluation: the same trained map applied to the same functions sampled on several
grids (paper, Sec. 6, "zero-shot super-resolution" protocol)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from nn_to_no._checks import check_positive_int, check_tensor
from nn_to_no.losses import rel_l2


@torch.no_grad()
def discretization_sweep(
    model: nn.Module | Callable[[torch.Tensor], torch.Tensor],
    dataset_fn: Callable[[int], tuple[torch.Tensor, torch.Tensor]],
    resolutions: Iterable[int],
    *,
    batch_size: int = 50,
    metric: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    device: torch.device | str | None = None,
) -> dict[int, float]:
    """Mean test error of ``model`` at each resolution.

    Args:
        model: the trained map ``(B, C, N, N) -> (B, C', N, N)`` (put in eval mode here when it is a module).
        dataset_fn: ``res -> (inputs, targets)`` sampling the same functions at ``res`` points per axis.
        resolutions: the grids to evaluate on.
        batch_size: evaluation batch size.
        metric: per-sample error ``(pred, target) -> (B,)`` (default: relative L2).
        device: move each batch there (default: leave it).

    Returns:
        ``{res: mean error}``.
    """
    batch_size = check_positive_int("batch_size", batch_size)
    if metric is None:

        def metric(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return rel_l2(p, t, reduction="none")

    if isinstance(model, nn.Module):
        model.eval()
    out: dict[int, float] = {}
    for res in resolutions:
        res = check_positive_int("resolution", res)
        x, y = dataset_fn(res)
        check_tensor(f"inputs at resolution {res}", x, ndim=(3, 4, 5))
        check_tensor(f"targets at resolution {res}", y, ndim=(3, 4, 5))
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"dataset_fn({res}) returned {x.shape[0]} inputs and {y.shape[0]} targets")
        errs = []
        for i in range(0, x.shape[0], batch_size):
            xb, yb = x[i : i + batch_size], y[i : i + batch_size]
            if device is not None:
                xb, yb = xb.to(device), yb.to(device)
            errs.append(metric(model(xb), yb).double().cpu())
        out[res] = float(torch.cat(errs).mean())
    return out


def error_ratios(errors: dict[int, float], reference: int) -> dict[int, float]:
    """``E(res) / E(reference)`` for each resolution.

    Args:
        errors: ``{res: error}`` from :func:`discretization_sweep`.
        reference: the training resolution.

    Returns:
        ``{res: ratio}``.
    """
    if reference not in errors:
        raise ValueError(f"reference {reference} is not among the resolutions {sorted(errors)}")
    return {r: e / errors[reference] for r, e in errors.items()}
