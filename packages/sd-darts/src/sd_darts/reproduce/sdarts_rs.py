"""The SDARTS-RS baseline (Chen & Hsieh, ICML 2020): a random perturbation of the op weights in every w step.

Official code (xiangning-chen/SmoothDARTS, also ``--perturb_alpha random`` in ruocwang/darts-pt,
``attacker/perturb.py``): before each weight step the architecture weights — there the softmax of α — get
uniform noise ``U(-ε, ε)``, are clipped to [0, 1] and renormalised per edge (``model.clip()``), the w step runs
on the perturbed supernet, and the unperturbed weights are restored; ``ε`` ramps linearly over the search,
``ε_t = 0.03 + (ε_max - 0.03) · epoch / epochs`` with ``ε_max = 0.3``. The α step is plain DARTS.

Here the perturbation goes through darts-core's ``weight_transform`` hook, switched on by the architect after its
α step and off by its ``on_step`` callback after the w step (so the α step, the epoch-end genotype and every
measurement see the unperturbed weights). A baseline of the reproduction, not part of the library.
"""

from __future__ import annotations

from typing import Any

import torch

from darts_core import Architect

Batch = tuple[torch.Tensor, torch.Tensor]


def clip_rows(w: torch.Tensor) -> torch.Tensor:
    """Clamp to [0, 1] and renormalise each edge's row (a row of zeros becomes one-hot at its argmax), as the
    official ``clip()``."""
    c = w.clamp(0, 1)
    zero = c.sum(-1, keepdim=True) == 0
    onehot = torch.nn.functional.one_hot(w.argmax(-1), w.shape[-1]).to(w.dtype)
    c = torch.where(zero, onehot, c)
    return c / c.sum(-1, keepdim=True)


class RandomAlphaArchitect(Architect):
    """DARTS's architect whose supernet is randomly perturbed during the following w step (SDARTS-RS).

    Args:
        model: the supernet (its ``weight_transform`` is wrapped).
        epochs: search epochs (for the ε ramp).
        steps_per_epoch: α steps per epoch (batches of D_train).
        eps_start: ε at the first epoch (official 0.03).
        eps_max: ε the ramp heads for (official ``--epsilon_alpha 0.3``).
        **architect_kw: darts-core's :class:`~darts_core.Architect` options.
    """

    def __init__(
        self,
        model: Any,
        *,
        epochs: int,
        steps_per_epoch: int,
        eps_start: float = 0.03,
        eps_max: float = 0.3,
        **architect_kw: Any,
    ) -> None:
        super().__init__(model, **architect_kw)
        if epochs < 1 or steps_per_epoch < 1:
            raise ValueError(f"epochs and steps_per_epoch must be >= 1, got {epochs}, {steps_per_epoch}")
        if not 0 <= eps_start <= eps_max:
            raise ValueError(f"need 0 <= eps_start <= eps_max, got {eps_start}, {eps_max}")
        self.epochs, self.steps_per_epoch = epochs, steps_per_epoch
        self.eps_start, self.eps_max = float(eps_start), float(eps_max)
        self.steps = 0
        self.noise: dict[int, torch.Tensor] | None = None
        self._base = model.weight_transform
        model.weight_transform = self._transform

    def epsilon(self, epoch: int) -> float:
        """``ε_epoch = eps_start + (eps_max - eps_start) · epoch / epochs``."""
        return self.eps_start + (self.eps_max - self.eps_start) * epoch / self.epochs

    def _transform(self, alpha: torch.Tensor) -> torch.Tensor:
        w = self._base(alpha)
        if self.noise is None:
            return w
        return clip_rows(w + self.noise[id(alpha)].to(w))

    def step(
        self,
        train_batch: Batch,
        val_batch: Batch,
        w_lr: float = 0.025,
        w_optimizer: torch.optim.Optimizer | None = None,
    ) -> torch.Tensor:
        """The plain α step, then fresh noise ``U(-ε, ε)`` for the w step that follows."""
        self.noise = None
        loss = super().step(train_batch, val_batch, w_lr, w_optimizer)
        eps = self.epsilon(self.steps // self.steps_per_epoch)
        self.noise = {id(a): torch.empty_like(a).uniform_(-eps, eps) for a in self.model.arch_parameters()}
        self.steps += 1
        return loss

    def on_step(self, state: Any) -> None:
        """After the w step: the unperturbed weights again."""
        self.noise = None

    def state_dict(self) -> dict[str, Any]:
        return super().state_dict() | {"rs_steps": self.steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.steps = int(state.get("rs_steps", 0))
