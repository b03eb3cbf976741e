"""The paper's regularisers, computed from the heuristics an adaptive solve already produced.

* ERNODE (paper Eq. 4): ``R_E = agg_j EEst_j * h_j`` over accepted steps. The paper writes the sum; the released
  experiments use the mean (their lambda values are for the mean), so ``reduction="mean"`` is the default.
* SRNODE (paper Eq. 5): ``R_S = agg_j S_j / s`` with ``S_j`` the stiffness (dominant eigenvalue) estimate and
  ``s`` the solver's stability size on the real axis (Tsit5 3.5068, Dopri5 3.3066); the released ODE experiments
  take the max over steps.
* Both at once (the code's ``error_stiff_est``): ``mean_j (EEst_j h_j + 0.1 S_j / s)``.
"""

from __future__ import annotations

import math
import numbers

import torch

from regneuralde.sde import SDEStats
from regneuralde.solver import SolverStats

REDUCTIONS = ("mean", "sum", "max")


def _reduce(x: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if x.numel() == 0:
        return x.new_zeros(())
    if reduction == "mean":
        return x.mean()
    return x.sum() if reduction == "sum" else x.max()


def _check_stats(stats: object, name: str = "stats") -> None:
    if not all(hasattr(stats, a) for a in ("eest", "h")):
        raise TypeError(
            f"{name} must be the SolverStats or SDEStats a solve returned, got {type(stats).__name__}"
        )


def error_regularizer(stats: SolverStats | SDEStats, reduction: str = "mean") -> torch.Tensor:
    """ERNODE: ``agg_j EEst_j * h_j`` (differentiable through the solver's stages); also for SDE solves."""
    _check_stats(stats)
    return _reduce(stats.eest * stats.h, reduction)


def stiffness_regularizer(
    stats: SolverStats, reduction: str = "max", multiply_by_dt: bool = False
) -> torch.Tensor:
    """SRNODE: ``agg_j S_j / stability_size`` (``multiply_by_dt`` uses ``S_j * h_j`` as a code comment suggests)."""
    _check_stats(stats)
    s = stats.stiffness / stats.tableau.stability_size
    return _reduce(s * stats.h if multiply_by_dt else s, reduction)


def combined_regularizer(
    stats: SolverStats, stiff_weight: float = 0.1, reduction: str = "mean"
) -> torch.Tensor:
    """``agg_j (EEst_j h_j + stiff_weight * S_j / stability_size)`` (the code's ``error_stiff_est``)."""
    _check_stats(stats)
    if isinstance(stiff_weight, bool) or not isinstance(stiff_weight, (int, float)) or not stiff_weight >= 0:
        raise ValueError(f"stiff_weight must be a number >= 0, got {stiff_weight!r}")
    return _reduce(
        stats.eest * stats.h + stiff_weight * stats.stiffness / stats.tableau.stability_size, reduction
    )


class ExponentialLambda:
    """Regularisation weight annealed from ``lam0`` to ``lam1``: ``lam0 * exp(-ln(lam0 / lam1) * step / total)``."""

    def __init__(self, lam0: float, lam1: float, total: int) -> None:
        if not (lam0 > 0 and lam1 > 0):
            raise ValueError(f"lam0 and lam1 must be > 0, got {lam0}, {lam1}")
        if total < 1:
            raise ValueError(f"total must be >= 1, got {total}")
        self.lam0, self.lam1, self.total = float(lam0), float(lam1), int(total)

    def __call__(self, step: int) -> float:
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"step must be an int >= 0, got {step!r}")
        return self.lam0 * math.exp(-math.log(self.lam0 / self.lam1) * min(step, self.total) / self.total)
