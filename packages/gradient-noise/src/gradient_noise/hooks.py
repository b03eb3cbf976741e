"""A non-wrapping variant: a step pre-hook on an existing optimiser that adds the scheduled noise."""

from __future__ import annotations

from typing import Any

import torch

from gradient_noise.schedules import PAPER_GAMMA, NoiseSchedule
from gradient_noise.state import NoiseState


class GradientNoiseHook:
    """Handle returned by :func:`register_gradient_noise_hook`: holds the noise state, can be removed."""

    def __init__(self, optimizer: torch.optim.Optimizer, noise: NoiseState) -> None:
        self.noise = noise
        self._pre = optimizer.register_step_pre_hook(self._before_step)
        self._post = optimizer.register_step_post_hook(self._after_step)

    def _before_step(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        with torch.no_grad():
            self.noise.apply(optimizer.param_groups)

    def _after_step(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        self.noise.t += 1

    @property
    def t(self) -> int:
        return self.noise.t

    def remove(self) -> None:
        """Stop adding noise."""
        self._pre.remove()
        self._post.remove()

    def state_dict(self) -> dict[str, Any]:
        return self.noise.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.noise.load_state_dict(state)


def register_gradient_noise_hook(
    optimizer: torch.optim.Optimizer,
    *,
    eta: float = 0.01,
    gamma: float = PAPER_GAMMA,
    schedule: str | NoiseSchedule = "annealed",
    generator: torch.Generator | None = None,
    seed: int | None = None,
    clip_norm: float | None = None,
    order: str = "clip_then_noise",
) -> GradientNoiseHook:
    """Add the paper's noise inside ``optimizer.step()`` without wrapping it (same arguments as
    :class:`gradient_noise.GradientNoise`). Save ``handle.state_dict()`` next to the optimiser's to resume."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    noise = NoiseState(
        eta=eta,
        gamma=gamma,
        schedule=schedule,
        generator=generator,
        seed=seed,
        clip_norm=clip_norm,
        order=order,
    )
    return GradientNoiseHook(optimizer, noise)
