"""Discretisation-invariance evaluation: the same trained map applied to the same functions sampled on several
grids (paper, Sec. 6, "zero-shot super-resolution" protocol)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from nn_to_no._checks import check_callable, check_positive_int, check_tensor
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
    check_callable("model", model)
    check_callable("dataset_fn", dataset_fn)
    check_callable("metric", metric, none=True)
    if device is not None:
        try:
            device = torch.device(device)
        except (RuntimeError, TypeError) as err:
            raise ValueError(f"device must be a torch device or its name, got {device!r}") from err
    if isinstance(resolutions, (int, str)) or not isinstance(resolutions, Iterable):
        raise TypeError(f"resolutions must be an iterable of ints, got {resolutions!r}")
    resolutions = list(resolutions)
    if not resolutions:
        raise ValueError("resolutions is empty: name at least one grid to evaluate on")
    if metric is None:

        def metric(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return rel_l2(p, t, reduction="none")

    if isinstance(model, nn.Module):
        model.eval()
    out: dict[int, float] = {}
    for res in resolutions:
        res = check_positive_int("resolution", res)
        data = dataset_fn(res)
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise TypeError(
                f"dataset_fn({res}) must return a pair (inputs, targets), got {type(data).__name__}"
            )
        x, y = data
        check_tensor(f"inputs at resolution {res}", x, ndim=(3, 4, 5))
        check_tensor(f"targets at resolution {res}", y, ndim=(3, 4, 5))
        if x.shape[0] != y.shape[0] or x.shape[0] == 0:
            raise ValueError(
                f"dataset_fn({res}) returned {x.shape[0]} inputs and {y.shape[0]} targets (need the same number, "
                "at least 1)"
            )
        if any(n != res for n in x.shape[2:]):
            raise ValueError(
                f"dataset_fn({res}) returned inputs of spatial shape {tuple(x.shape[2:])}: the resolution {res} "
                "must be the number of points on every axis"
            )
        errs = []
        for i in range(0, x.shape[0], batch_size):
            xb, yb = x[i : i + batch_size], y[i : i + batch_size]
            if device is not None:
                xb, yb = xb.to(device), yb.to(device)
            e = metric(model(xb), yb)
            if not isinstance(e, torch.Tensor) or e.shape != (xb.shape[0],):
                raise ValueError(
                    f"metric must return one error per sample, shape ({xb.shape[0]},), got "
                    f"{tuple(e.shape) if isinstance(e, torch.Tensor) else type(e).__name__}"
                )
            errs.append(e.double().cpu())
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
    if not isinstance(errors, dict):
        raise TypeError(f"errors must be a dict {{resolution: error}}, got {type(errors).__name__}")
    if reference not in errors:
        raise ValueError(f"reference {reference} is not among the resolutions {sorted(errors)}")
    if not errors[reference] > 0:
        raise ValueError(f"the error at the reference {reference} is {errors[reference]}: ratios need it > 0")
    return {r: e / errors[reference] for r, e in errors.items()}
