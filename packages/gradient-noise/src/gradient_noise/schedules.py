"""Noise schedules: the variance of the Gaussian noise added to the gradients at optimiser step ``t``.

The paper (Neelakantan et al., 2015, Section 2, Eq. 1) anneals the variance as

    sigma_t^2 = eta / (1 + t) ** gamma,    gamma = 0.55,  eta in {0.01, 0.3, 1.0}

with ``t`` the number of optimiser steps already taken (the first step uses ``t = 0``, so its variance is
``eta``). ``eta`` is a *variance*, not a standard deviation, and the noise is not scaled by the learning rate.
The paper also compares against constant noise (``sigma_t^2 = eta``); :class:`ConstantSchedule` gives that.
"""

from __future__ import annotations

import math
from typing import Protocol

PAPER_GAMMA = 0.55
PAPER_ETAS = (0.01, 0.3, 1.0)


def _check_eta(eta: float) -> float:
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not math.isfinite(eta) or eta < 0:
        raise ValueError(f"eta must be a non-negative finite float (a variance), got {eta!r}")
    return float(eta)


def _check_gamma(gamma: float) -> float:
    if (
        isinstance(gamma, bool)
        or not isinstance(gamma, (int, float))
        or not math.isfinite(gamma)
        or gamma <= 0
    ):
        raise ValueError(
            f"gamma must be a positive finite float (the paper uses 0.55; for constant noise use "
            f"schedule='constant'), got {gamma!r}"
        )
    return float(gamma)


def _check_step(t: int) -> int:
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError(f"t must be a non-negative int (steps already taken), got {t!r}")
    return t


def annealed_variance(t: int, eta: float = 0.01, gamma: float = PAPER_GAMMA) -> float:
    """``eta / (1 + t) ** gamma`` (paper Eq. 1)."""
    return _check_eta(eta) / (1 + _check_step(t)) ** _check_gamma(gamma)


def annealed_std(t: int, eta: float = 0.01, gamma: float = PAPER_GAMMA) -> float:
    """Standard deviation ``sqrt(eta / (1 + t) ** gamma)`` of the noise at step ``t``."""
    return math.sqrt(annealed_variance(t, eta, gamma))


class NoiseSchedule(Protocol):
    """Anything that maps a step count and a variance scale ``eta`` to a variance."""

    def variance(self, t: int, eta: float) -> float: ...


class AnnealedSchedule:
    """The paper's schedule ``eta / (1 + t) ** gamma``."""

    def __init__(self, gamma: float = PAPER_GAMMA) -> None:
        self.gamma = _check_gamma(gamma)

    def variance(self, t: int, eta: float) -> float:
        return annealed_variance(t, eta, self.gamma)

    def __repr__(self) -> str:
        return f"AnnealedSchedule(gamma={self.gamma})"


class ConstantSchedule:
    """Constant variance ``eta`` (the paper's non-annealed control)."""

    def variance(self, t: int, eta: float) -> float:
        _check_step(t)
        return _check_eta(eta)

    def __repr__(self) -> str:
        return "ConstantSchedule()"


def make_schedule(schedule: str | NoiseSchedule, gamma: float = PAPER_GAMMA) -> NoiseSchedule:
    """``"annealed"`` (default, uses ``gamma``), ``"constant"``, or an object with ``variance(t, eta)``."""
    if schedule == "annealed":
        return AnnealedSchedule(gamma)
    if schedule == "constant":
        return ConstantSchedule()
    if isinstance(schedule, str) or not callable(getattr(schedule, "variance", None)):
        raise ValueError(
            f"schedule must be 'annealed', 'constant' or have a variance(t, eta) method, got {schedule!r}"
        )
    return schedule
