"""The three losses of GBNN: initial constant, pseudo-residuals, Newton step and the link to probabilities.

Notation follows the paper (Emami & Martinez-Munoz, arXiv:1909.12098): ``F`` is the additive expansion
(raw score) of shape ``(n, out)``, ``f`` the output of the base network fitted in the current round,
``r = -dL/dF`` the pseudo-residuals. The formulas are the ones of the authors' reference implementation
(GAA-UAM/GBNN); they are re-derived here, not copied.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F_

__all__ = ["BinomialDeviance", "GBNNLoss", "MultinomialDeviance", "SquaredError"]

_EPS = 1e-12


class GBNNLoss:
    """Interface: ``init_raw`` (F0), ``residuals`` (pseudo-residuals), ``newton_step`` (rho), ``loss``."""

    name = "loss"
    #: factor between the expansion F and the assembled network's output (2 for the binomial deviance)
    output_scale = 1.0

    def init_raw(self, Y: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def residuals(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def newton_step(self, Y: torch.Tensor, R: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        """Step size rho along ``f`` (a 0-d tensor); 1 unless the loss overrides it."""
        return torch.ones((), dtype=f.dtype, device=f.device)

    def loss(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError


class SquaredError(GBNNLoss):
    """Regression: L = (y - F)^2 / 2, F0 = mean(y), r = y - F, rho = 1 (the base net already solves least squares)."""

    name = "squared_error"

    def init_raw(self, Y: torch.Tensor) -> torch.Tensor:
        return Y.mean(dim=0)

    def residuals(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:
        return Y - F

    def loss(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:
        """Mean squared error over samples (summed over outputs)."""
        return (Y - F).pow(2).sum(dim=1).mean()


class BinomialDeviance(GBNNLoss):
    """Binary classification with labels y in {-1, +1}: L = log(1 + exp(-2 y F)) (Friedman's deviance).

    * F0 = 1/2 log((1 + mean y) / (1 - mean y)), the minimiser of sum_i L(y_i, c);
    * r = 2 y / (1 + exp(2 y F));
    * rho = sum r f / sum f^2 |r| (2 - |r|)  (one Newton step on the loss along f);
    * P(y = +1) = 1 / (1 + exp(-2 F)), so the network's logit is 2F (``output_scale = 2``).
    """

    name = "binomial_deviance"
    output_scale = 2.0

    def init_raw(self, Y: torch.Tensor) -> torch.Tensor:
        ybar = Y.mean(dim=0).clamp(-1 + 1e-12, 1 - 1e-12)
        return 0.5 * torch.log((1 + ybar) / (1 - ybar))

    def residuals(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:
        return 2.0 * Y * torch.sigmoid(-2.0 * Y * F)

    def newton_step(self, Y: torch.Tensor, R: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        a = R.abs()
        num = (R * f).sum()
        den = (f * f * a * (2.0 - a)).sum()
        return num / (den + _EPS)

    def loss(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:
        return F_.softplus(-2.0 * Y * F).sum(dim=1).mean()


class MultinomialDeviance(GBNNLoss):
    """K-class cross-entropy on one-hot Y: L = logsumexp(F) - <Y, F>.

    * F0 = 0 (as in the reference code; the minimiser for balanced classes);
    * r = Y - softmax(F);
    * one scalar rho for all classes: rho = sum f r / sum f^2 p (1 - p).
    """

    name = "multinomial_deviance"

    def init_raw(self, Y: torch.Tensor) -> torch.Tensor:
        return torch.zeros(Y.shape[1], dtype=Y.dtype, device=Y.device)

    def residuals(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:
        return Y - torch.softmax(F, dim=1)

    def newton_step(self, Y: torch.Tensor, R: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        p = Y - R
        num = (f * R).sum()
        den = (f * f * p * (1.0 - p)).sum()
        return num / (den + _EPS)

    def loss(self, Y: torch.Tensor, F: torch.Tensor) -> torch.Tensor:
        return (torch.logsumexp(F, dim=1) - (Y * F).sum(dim=1)).mean()
