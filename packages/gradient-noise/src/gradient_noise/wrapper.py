"""``GradientNoise``: wrap any torch optimiser so that every ``step()`` first adds annealed Gaussian noise to
the gradients (Neelakantan et al., 2015, Eq. 1), then delegates to the wrapped optimiser.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import torch
from torch.optim import optimizer as torch_optimizer

from gradient_noise.fused import check_fused_optimizer, fused_noisy_adam_step
from gradient_noise.schedules import PAPER_GAMMA, NoiseSchedule
from gradient_noise.state import NoiseState


class GradientNoise(torch.optim.Optimizer):
    """Add ``N(0, eta / (1 + t) ** gamma)`` to every gradient before the wrapped optimiser's step.

    The wrapper shares ``param_groups``, ``state`` and ``defaults`` with the optimiser it wraps, so learning-rate
    schedulers, ``GradScaler`` and checkpointing work on it as on any optimiser.

    Args:
        optimizer: any ``torch.optim.Optimizer`` (SGD, Adam, fused or foreach variants, ...).
        eta: variance scale (paper: 0.01, 0.3 or 1.0; default 0.01). A param group may override it with a
            ``"noise_eta"`` key.
        gamma: decay exponent of the annealed schedule (paper: 0.55).
        schedule: ``"annealed"`` (paper, Eq. 1), ``"constant"`` (the paper's non-annealed control) or an
            object with ``variance(t, eta)``.
        generator: a ``torch.Generator`` on the parameters' device for reproducible noise.
        seed: alternatively, a seed from which a generator is made on every device that holds gradients.
            Without either, the global generator is used, except under ``torch.distributed`` with several
            ranks, where a seed is broadcast from rank 0 so that every replica draws the same noise.
        clip_norm: if given, the gradients' total norm is clipped to it inside ``step()``.
        order: ``"clip_then_noise"`` (default: the added variance is exactly the scheduled one) or
            ``"noise_then_clip"`` (the noisy gradient is clipped, as in some reference code).
        fused: draw the noise inside the optimiser's own pass (``torch.optim.Adam``/``AdamW`` only, needs an
            int ``seed``; under DDP the rank-0 seed broadcast supplies one): on CUDA one Triton kernel per
            parameter tensor adds the noise in registers and applies Adam's update, on the CPU the same
            arithmetic runs in torch operations. The noise comes from a counter-based Philox stream defined in
            :mod:`gradient_noise.fused` (not ``torch.randn``'s), and ``p.grad`` is left unperturbed. Default
            False: the fused kernel has not yet run on a GPU.

    Order with AMP: ``GradScaler.step(wrapper)`` unscales the gradients before calling ``wrapper.step()``, so
    the noise (and the clipping) always act on unscaled gradients; skipped steps (inf/NaN) do not advance
    ``t``.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        *,
        eta: float = 0.01,
        gamma: float = PAPER_GAMMA,
        schedule: str | NoiseSchedule = "annealed",
        generator: torch.Generator | None = None,
        seed: int | None = None,
        clip_norm: float | None = None,
        order: str = "clip_then_noise",
        fused: bool = False,
    ) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(
                f"optimizer must be a torch.optim.Optimizer (e.g. torch.optim.SGD(model.parameters())), "
                f"got {type(optimizer).__name__}"
            )
        if isinstance(optimizer, GradientNoise):
            raise TypeError("optimizer is already a GradientNoise wrapper")
        if not isinstance(fused, bool):
            raise TypeError(f"fused must be a bool, got {type(fused).__name__}")
        if fused:
            check_fused_optimizer(optimizer)
            if order == "noise_then_clip":
                raise ValueError(
                    "fused=True adds the noise inside the optimiser's pass, so it cannot clip the noisy gradient: "
                    "use order='clip_then_noise' (the default) or fused=False"
                )
            if generator is not None:
                raise ValueError(
                    "fused=True draws counter-based noise keyed by an int seed, not from a torch.Generator: "
                    "pass seed=... instead of generator=..."
                )
        # Deliberately not calling Optimizer.__init__: the parameter groups belong to the wrapped optimiser.
        self.optimizer = optimizer
        self.noise = NoiseState(
            eta=eta,
            gamma=gamma,
            schedule=schedule,
            generator=generator,
            seed=seed,
            clip_norm=clip_norm,
            order=order,
        )
        if fused and self.noise.seed is None:
            raise ValueError(
                "fused=True needs seed=... (an int keying the noise stream); under torch.distributed with several "
                "ranks the seed broadcast from rank 0 supplies one"
            )
        self.fused = fused
        self.defaults = optimizer.defaults
        self._optimizer_step_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()

    # the wrapped optimiser's groups and state, seen through the wrapper
    @property  # type: ignore[override]
    def param_groups(self) -> list[dict[str, Any]]:
        return self.optimizer.param_groups

    @param_groups.setter
    def param_groups(self, value: list[dict[str, Any]]) -> None:
        self.optimizer.param_groups = value

    @property  # type: ignore[override]
    def state(self) -> Any:
        return self.optimizer.state

    @state.setter
    def state(self, value: Any) -> None:
        self.optimizer.state = value

    @property
    def t(self) -> int:
        """Number of noisy steps taken so far (the schedule's ``t``)."""
        return self.noise.t

    @property
    def current_std(self) -> float:
        """Standard deviation the next ``step()`` adds (with the wrapper's ``eta``)."""
        return self.noise.std()

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        self.optimizer.add_param_group(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    @torch.no_grad()
    def add_noise(self) -> None:
        """Clip and add this step's noise without stepping (``step()`` calls it; not available when fused)."""
        if self.fused:
            raise RuntimeError(
                "with fused=True the noise is drawn inside step() and never added to the gradients; "
                "gradient_noise.fused.philox_randn gives the stream (see its docstring)"
            )
        self.noise.apply(self.param_groups)

    def step(self, closure: Callable[[], float] | None = None) -> Any:  # type: ignore[override]
        """Add the noise of step ``t`` to the gradients, step the wrapped optimiser, then ``t += 1``."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if self.fused:
            self._fused_step()
        else:
            self.add_noise()
            self.optimizer.step()
        self.noise.t += 1
        return loss

    @torch.no_grad()
    def _fused_step(self) -> None:
        """Clip (if asked), then one fused noisy Adam pass, with the wrapped optimiser's step hooks around it."""
        opt = self.optimizer
        self.noise.clip(self.param_groups)
        for pre_hook in (
            *torch_optimizer._global_optimizer_pre_hooks.values(),
            *opt._optimizer_step_pre_hooks.values(),
        ):
            pre_hook(opt, (), {})
        assert self.noise.seed is not None
        stds = [self.noise.std(group.get("noise_eta")) for group in self.param_groups]
        fused_noisy_adam_step(opt, seed=self.noise.seed, t=self.noise.t, std=stds)
        for post_hook in (
            *opt._optimizer_step_post_hooks.values(),
            *torch_optimizer._global_optimizer_post_hooks.values(),
        ):
            post_hook(opt, (), {})

    def state_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return {"optimizer": self.optimizer.state_dict(), "gradient_noise": self.noise.state_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:  # type: ignore[override]
        if "gradient_noise" not in state_dict or "optimizer" not in state_dict:
            raise ValueError(
                "state_dict must come from GradientNoise.state_dict() (keys 'optimizer' and 'gradient_noise'); "
                "to load the wrapped optimiser alone use wrapper.optimizer.load_state_dict(...)"
            )
        seed = self.noise.seed
        self.optimizer.load_state_dict(state_dict["optimizer"])
        self.noise.load_state_dict(state_dict["gradient_noise"])
        if self.fused and self.noise.seed is None:  # a checkpoint of an unseeded unfused run: keep our key
            self.noise.seed = seed

    def __repr__(self) -> str:
        n = self.noise
        return (
            f"GradientNoise(eta={n.eta}, schedule={n.schedule!r}, t={n.t}, clip_norm={n.clip_norm}, "
            f"order={n.order!r}, fused={self.fused}, optimizer={type(self.optimizer).__name__})"
        )
