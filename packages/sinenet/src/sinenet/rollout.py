"""Loss and autoregressive rollout of a one-step PDE surrogate (Zhang et al. 2024, Sec. 2 and App. C)."""

from __future__ import annotations

import torch
from torch import nn


def scaled_l2(pred: torch.Tensor, target: torch.Tensor, *, eps: float = 1e-12) -> torch.Tensor:
    """Relative L2 error ``||pred - target||_2 / ||target||_2`` over space, per sample, frame and field, averaged
    (PDEArena's ``scaledl2``).

    Args:
        pred: (..., H, W) prediction.
        target: same shape as ``pred``.
        eps: floor of the denominator.

    Returns:
        A scalar tensor (0 for a perfect prediction, 1 for a zero prediction).
    """
    for name, t in (("pred", pred), ("target", target)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0, got {eps!r}")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    if pred.dim() < 3:
        raise ValueError(f"pred must have at least 3 dims (..., H, W), got {pred.dim()}")
    num = (pred - target).flatten(-2).norm(dim=-1)
    den = target.flatten(-2).norm(dim=-1).clamp_min(eps)
    return (num / den).mean()


def one_step_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Scaled L2 of one model step.

    Args:
        model: maps (B, T_h, F, H, W) to (B, T_f, F, H, W).
        x: inputs (B, T_h, F, H, W).
        y: targets (B, T_f, F, H, W).

    Returns:
        The scalar loss.
    """
    return scaled_l2(model(x), y)


def rollout(model: nn.Module, x0: torch.Tensor, n_steps: int) -> torch.Tensor:
    """Autoregressive rollout: feed each prediction back, keeping the last T_h frames in order.

    Args:
        model: maps (B, T_h, F, H, W) to (B, T_f, F, H, W).
        x0: the initial T_h frames (B, T_h, F, H, W).
        n_steps: model calls.

    Returns:
        (B, n_steps * T_f, F, H, W): the predicted frames.
    """
    if not isinstance(x0, torch.Tensor):
        raise TypeError(f"x0 must be a torch.Tensor of shape (B, T_h, F, H, W), got {type(x0).__name__}")
    if x0.dim() != 5:
        raise ValueError(f"x0 must have shape (B, T_h, F, H, W), got {tuple(x0.shape)}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
        raise ValueError(f"n_steps must be an int >= 1, got {n_steps!r}")
    th = x0.shape[1]
    state, preds = x0, []
    for _ in range(int(n_steps)):
        y = model(state)
        preds.append(y)
        state = torch.cat([state, y], dim=1)[:, -th:]
    return torch.cat(preds, dim=1)
