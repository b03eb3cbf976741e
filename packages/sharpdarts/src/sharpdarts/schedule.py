"""Cosine Power Annealing (sharpDARTS Sec. 3.2, Eq. 1), exactly as the official ``cosine_power_annealing.py``.

For epochs ``e = 1..E``, base ``p`` (``exponent_order`` >= 1), ``η_max`` and ``η_min``::

    c(e) = (1 + cos(π e / E)) / 2
    q(e) = p ** (c(e) + 1)          (p > 1;  q = c when p == 1: min-max normalised cosine annealing)
    r(e) = (q(e) - min_e q) / max_e (q - min_e q)
    η(e) = η_min + r(e) (η_max - η_min)

The paper writes ``r = (p^{c+1} - p) / (p² - p)``; the code normalises over the schedule's own array instead, so
``η(1) = η_max`` exactly (the paper's form is slightly below it). Larger ``p`` decays faster early (p = 2 on
CIFAR-10, p = 10 on ImageNet). With ``w`` warm-up epochs the first ``w + 1`` entries are the linear ramp
``e / (w + 1)`` (scaled to ``[η_min, η_max]``) and the cosine-power part runs over epochs shifted by ``-w`` and
``E - w``. Always precompute the whole array: one epoch's value depends on the whole schedule's min and max.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import torch
from torch.optim.lr_scheduler import LRScheduler

__all__ = ["CosinePowerAnnealingLR", "cosine_power_annealing"]


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_real(name: str, value: Any, *, minimum: float, strict: bool = False) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok:
        ok = float(value) > minimum if strict else float(value) >= minimum
    if not ok:
        rel = ">" if strict else ">="
        raise ValueError(f"{name} must be a finite number {rel} {minimum}, got {value!r}")
    return float(value)


def _check_schedule(
    epochs: Any, exponent_order: Any, warmup_epochs: Any, name: str = "epochs"
) -> tuple[int, float, int]:
    epochs = _check_int(name, epochs, 1)
    p = _check_real("exponent_order", exponent_order, minimum=1.0)
    w = _check_int("warmup_epochs", warmup_epochs, 0)
    if w >= epochs:
        raise ValueError(f"warmup_epochs must be < {name}, got warmup_epochs={w} with {name}={epochs}")
    return epochs, p, w


def _proportions(epochs: int, p: float, w: int) -> np.ndarray:
    """r(e) in [0, 1] for e = 1..epochs (the schedule before scaling to [η_min, η_max])."""
    e = np.arange(1, epochs + 1, dtype=np.float64)
    span = float(epochs)
    if w > 0:
        e, span = e - w, float(epochs - w)
    c = (1.0 + np.cos(np.pi * e / span)) / 2.0
    q = c if p == 1.0 else np.power(p, c + 1.0)
    q = q - np.min(q)
    top = np.max(q)
    r = q / top if top > 0 else np.ones_like(q)  # one epoch: the whole schedule is η_max
    if w > 0:
        r[: w + 1] = np.arange(1, w + 2, dtype=np.float64) / (w + 1)
    return r


def cosine_power_annealing(
    epochs: int,
    max_lr: float = 0.1,
    min_lr: float = 1e-4,
    exponent_order: float = 10.0,
    warmup_epochs: int = 0,
) -> np.ndarray:
    """The learning rate of every epoch ``1..epochs`` under Cosine Power Annealing (Eq. 1, as coded).

    Args:
        epochs: number of epochs ``E`` of the schedule (>= 1).
        max_lr: ``η_max``, the first (post-warm-up) learning rate.
        min_lr: ``η_min``, the last learning rate (0 <= min_lr <= max_lr).
        exponent_order: the base ``p`` >= 1 (1: cosine annealing; official 2 on CIFAR-10, 10 on ImageNet).
        warmup_epochs: ``w`` >= 0 epochs of linear warm-up before the decay (official 5; ``w < epochs``).

    Returns:
        A float64 array of length ``epochs``: entry ``e - 1`` is the learning rate of epoch ``e``.
    """
    epochs, p, w = _check_schedule(epochs, exponent_order, warmup_epochs)
    hi = _check_real("max_lr", max_lr, minimum=0.0, strict=True)
    lo = _check_real("min_lr", min_lr, minimum=0.0)
    if lo > hi:
        raise ValueError(f"min_lr must be <= max_lr, got min_lr={min_lr} > max_lr={max_lr}")
    return _proportions(epochs, p, w) * (hi - lo) + lo


class CosinePowerAnnealingLR(LRScheduler):
    """Cosine Power Annealing as a :class:`torch.optim.lr_scheduler.LRScheduler` (warm-up, state dict, resume).

    Each parameter group anneals from its initial ``lr`` (``η_max``) to ``min_lr``. The schedule is precomputed
    (:func:`cosine_power_annealing`); after ``k`` calls of :meth:`step` the learning rate is that of epoch
    ``k + 1``, and past the last epoch it stays at ``min_lr``. Call :meth:`step` once per epoch, or once per
    iteration with ``total_epochs`` (and ``warmup_epochs``) counted in iterations. Resuming: save
    :meth:`state_dict` with the optimiser's and load both (the schedule itself is part of the state).

    Args:
        optimizer: the wrapped optimiser.
        total_epochs: length ``E`` of the schedule (in calls of :meth:`step` + 1).
        min_lr: ``η_min`` (<= every group's initial lr).
        exponent_order: the base ``p`` >= 1 (official: 2 for CIFAR-10 search and training, 10 on ImageNet).
        warmup_epochs: linear warm-up length ``w`` (< ``total_epochs``).
        last_epoch: index of the last epoch when resuming without a state dict (torch's convention; -1: start).
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        total_epochs: int,
        *,
        min_lr: float = 1e-4,
        exponent_order: float = 10.0,
        warmup_epochs: int = 0,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        total, p, w = _check_schedule(total_epochs, exponent_order, warmup_epochs, "total_epochs")
        lo = _check_real("min_lr", min_lr, minimum=0.0)
        for i, group in enumerate(optimizer.param_groups):
            base = float(group.get("initial_lr", group["lr"]))
            if lo > base:
                raise ValueError(
                    f"min_lr={min_lr} is above the initial lr {base} of parameter group {i}; expected min_lr <= lr"
                )
        self.total_epochs, self.exponent_order, self.warmup_epochs, self.min_lr = total, p, w, lo
        self.proportions: tuple[float, ...] = tuple(float(v) for v in _proportions(total, p, w))
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:  # type: ignore[override]
        """The learning rate of every parameter group at the current epoch."""
        i = min(max(self.last_epoch, 0), self.total_epochs - 1)
        r = self.proportions[i] if self.last_epoch < self.total_epochs else 0.0
        return [r * (float(base) - self.min_lr) + self.min_lr for base in self.base_lrs]
