"""Training loop shared by the single-network variants (NoProp-CT and NoProp-FM)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from noprop._base import (
    NoPropBase,
    check_all_finite,
    check_grad_clip,
    check_positive_int,
    check_xy,
    minibatches,
)


class SingleNetworkNoProp(NoPropBase):
    """A NoProp variant with one time-conditioned network trained on ``loss(x, y)``."""

    block: nn.Module
    n_steps: int

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        raise NotImplementedError

    def make_optimizer(self, lr: float, weight_decay: float) -> torch.optim.Optimizer:
        """Adam (the paper's CT/FM setting: lr 1e-3, weight decay 1e-3)."""
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        return torch.optim.Adam(self.parameters(), lr=lr, weight_decay=weight_decay)

    def fit(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        epochs: int = 1,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 1e-3,
        seed: int | None = None,
        grad_clip: float | None = None,
        optimizer: torch.optim.Optimizer | None = None,
        callback: Callable[[int, float], None] | None = None,
        check_finite: bool = True,
    ) -> SingleNetworkNoProp:
        """Minibatch training of ``loss`` (t drawn per example); ``callback(epoch, mean_loss)``.
        ``check_finite`` refuses (``ValueError``) inputs holding NaN or inf; ``False`` skips that pass over ``x``."""
        check_xy(x, y, self.num_classes)
        check_positive_int("epochs", epochs, 0)
        check_positive_int("batch_size", batch_size, 2)
        check_grad_clip(grad_clip)
        if x.shape[0] < 2:
            raise ValueError(f"training needs at least 2 samples (BatchNorm), got {x.shape[0]} sample")
        if check_finite:
            check_all_finite(x, "x")
        x, y = x.to(self.device), y.to(self.device)
        opt = optimizer or self.make_optimizer(lr, weight_decay)
        if seed is not None:
            self.rng.reset("net", seed)
        was = self.training
        self.train()
        try:
            with self.rng.stream("net", self.device):
                for epoch in range(epochs):
                    total = 0.0
                    for idx in minibatches(x.shape[0], batch_size, x.device):
                        loss, _ = self.loss(x[idx], y[idx])
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        if grad_clip is not None:
                            nn.utils.clip_grad_norm_(self.parameters(), grad_clip)
                        opt.step()
                        total += float(loss.detach()) * idx.numel()
                    self.trained.fill_(True)
                    if callback is not None:
                        callback(epoch, total / x.shape[0])
        finally:
            self.train(was)
        return self

    def _check_steps(self, n_steps: int | None) -> int:
        n = self.n_steps if n_steps is None else n_steps
        return check_positive_int("n_steps", n)
