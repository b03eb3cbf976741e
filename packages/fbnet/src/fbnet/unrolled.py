"""Second-order (unrolled) theta step on the FBNet super net: darts-core's ``Architect(order=2)`` (DARTS Eq. 7-8,
the official finite-difference Hessian-vector product) with FBNet's upper-level loss.

This is the baseline the issue asks for beside first-order DARTS: the plain softmax relaxation
``m = softmax(theta / tau)`` on the same chain super net, with the unrolled weights
``w' = w - xi (mu m + grad_w L_train(w, theta) + lambda w)`` and::

    g = grad_theta L_val(w', theta) - xi [grad_theta L_train(w+, theta) - grad_theta L_train(w-, theta)] / (2 eps)

``L_val`` is :class:`~fbnet.loss.FBNetLoss` (``alpha * CE`` at ``beta = 0``, with the expected latency of the
current mask otherwise; the latency term does not depend on the weights, so it adds no Hessian term).
:class:`~fbnet.search.FBNetSearch` uses this class when ``order=2``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from darts_core import Architect
from fbnet.loss import FBNetLoss
from fbnet.supernet import FBNetSuperNet, RelaxedSuperNet

Batch = tuple[torch.Tensor, torch.Tensor]


class FBNetArchitect(Architect):
    """darts-core's :class:`~darts_core.Architect` on an :class:`FBNetSuperNet` under the softmax relaxation.

    Args:
        supernet: the super net (shared, not copied).
        loss: the upper-level loss (``None``: ``FBNetLoss(beta=0)``, i.e. ``0.2 * CE``, the DARTS objective).
        tau: initial temperature of ``softmax(theta / tau)``; set :attr:`tau` between epochs to anneal it.
        order: 1 (``grad_theta L_val(w, theta)``) or 2 (unrolled, Eq. 7-8).
        theta_lr: Adam learning rate on theta (FBNet's 0.01, the same optimiser as the first-order search).
        theta_betas: Adam betas (torch's default (0.9, 0.999), as the first-order search).
        theta_wd: Adam weight decay (5e-4).
        hvp_radius: ``r`` of ``eps = r / ||v||`` (official 0.01).
        hvp: ``"finite_difference"`` (official) or ``"exact"`` (double backward).
        weight_loss_latency: the lower-level loss is ``FBNetLoss`` with the latency detached instead of plain CE
            (mirrors :class:`~fbnet.search.FBNetSearch`'s option).
    """

    def __init__(
        self,
        supernet: FBNetSuperNet,
        loss: FBNetLoss | None = None,
        *,
        tau: float = 1.0,
        order: int = 2,
        theta_lr: float = 0.01,
        theta_betas: tuple[float, float] = (0.9, 0.999),
        theta_wd: float = 5e-4,
        hvp_radius: float = 0.01,
        hvp: str = "finite_difference",
        weight_loss_latency: bool = False,
    ) -> None:
        if not isinstance(supernet, FBNetSuperNet):
            raise TypeError(f"supernet must be an FBNetSuperNet, got {type(supernet).__name__}")
        if loss is not None and not isinstance(loss, FBNetLoss):
            raise TypeError(f"loss must be an FBNetLoss or None, got {type(loss).__name__}")
        if not (isinstance(theta_lr, (int, float)) and theta_lr > 0 and theta_lr < float("inf")):
            raise ValueError(f"theta_lr must be a finite float > 0, got {theta_lr!r}")
        self.view: RelaxedSuperNet = supernet.relaxed(tau, "softmax")
        super().__init__(
            self.view,
            order=order,
            arch_lr=theta_lr,
            arch_betas=theta_betas,
            arch_wd=theta_wd,
            loss_fn=F.cross_entropy,
            hvp_radius=hvp_radius,
            hvp=hvp,
        )
        self.fbnet_loss = loss if loss is not None else FBNetLoss(beta=0.0)
        self.weight_loss_latency = weight_loss_latency
        self.last_ce = float("nan")

    @property
    def tau(self) -> float:
        """Temperature of the relaxation ``softmax(theta / tau)``."""
        return self.view.tau

    @tau.setter
    def tau(self, value: float) -> None:
        if not (isinstance(value, (int, float)) and value > 0 and value < float("inf")):
            raise ValueError(f"tau must be a finite float > 0, got {value!r}")
        self.view.tau = float(value)

    def _latency(self) -> torch.Tensor:
        return self.view.supernet.expected_latency(self.view.mask())

    def arch_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """FBNet's ``CE * alpha * log(LAT)^beta`` on a theta-split batch (Eq. 2), LAT of the current mask (Eq. 7)."""
        self.last_ce = float(F.cross_entropy(logits.detach(), batch[1]))
        return self.fbnet_loss(logits, batch[1], self._latency())

    def weight_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Plain CE on a w-split batch (or the FBNet loss with the latency detached, ``weight_loss_latency``)."""
        if self.weight_loss_latency:
            return self.fbnet_loss(logits, batch[1], self._latency().detach())
        return F.cross_entropy(logits, batch[1])
