"""The noise state shared by the optimiser wrapper and the step hook: schedule, step counter, generators."""

from __future__ import annotations

from typing import Any

import torch

from gradient_noise.functional import add_gradient_noise_, device_key
from gradient_noise.schedules import PAPER_GAMMA, NoiseSchedule, _check_eta, make_schedule

ORDERS = ("clip_then_noise", "noise_then_clip")


def _broadcast_seed_from_rank0() -> int | None:
    """A seed drawn on rank 0 and broadcast to every rank (None without a multi-process group)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return None
    backend = dist.get_backend()
    device = torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")
    seed = torch.randint(0, 2**62, (1,), dtype=torch.int64).to(device)
    dist.broadcast(seed, src=0)
    return int(seed.item())


class NoiseState:
    """Everything that decides the noise of one step; see :class:`gradient_noise.GradientNoise` for the arguments."""

    def __init__(
        self,
        *,
        eta: float = 0.01,
        gamma: float = PAPER_GAMMA,
        schedule: str | NoiseSchedule = "annealed",
        generator: torch.Generator | None = None,
        seed: int | None = None,
        clip_norm: float | None = None,
        order: str = "clip_then_noise",
        sync_ranks: bool = True,
    ) -> None:
        self.eta = _check_eta(eta)
        self.gamma = float(gamma)
        self.schedule = make_schedule(schedule, gamma)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
        if generator is not None and seed is not None:
            raise ValueError("give either generator or seed, not both")
        if clip_norm is not None and not (isinstance(clip_norm, (int, float)) and clip_norm > 0):
            raise ValueError(f"clip_norm must be a positive float or None, got {clip_norm!r}")
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
        self.clip_norm = None if clip_norm is None else float(clip_norm)
        self.order = order
        self.t = 0
        if seed is None and generator is None and sync_ranks:
            # under DDP every rank must draw the same noise, or the replicas drift apart
            seed = _broadcast_seed_from_rank0()
        self.seed = seed
        self.generators: dict[str, torch.Generator] = {}
        if generator is not None:
            self.generators[device_key(generator.device)] = generator

    def variance(self, eta: float | None = None) -> float:
        return self.schedule.variance(self.t, self.eta if eta is None else _check_eta(eta))

    def std(self, eta: float | None = None) -> float:
        return self.variance(eta) ** 0.5

    def _generator(self, device: torch.device) -> torch.Generator | None:
        key = device_key(device)
        if key not in self.generators:
            if self.seed is None:
                if self.generators:
                    raise ValueError(
                        f"the generator is on {next(iter(self.generators))} but a gradient is on {device}; "
                        "pass seed=... instead so a generator is made on every device"
                    )
                return None  # torch's global generator
            self.generators[key] = torch.Generator(device=device).manual_seed(self.seed)
        return self.generators[key]

    def clip(self, param_groups: list[dict[str, Any]]) -> None:
        """Clip the gradients' total norm to ``clip_norm`` (if set); the fused step's clipping."""
        params = [p for g in param_groups for p in g["params"] if p.grad is not None]
        if self.clip_norm is not None and params:
            torch.nn.utils.clip_grad_norm_(params, self.clip_norm)

    def apply(self, param_groups: list[dict[str, Any]]) -> None:
        """Clip and/or add noise to the gradients of every group (per-group ``noise_eta`` overrides ``eta``)."""
        params = [p for g in param_groups for p in g["params"] if p.grad is not None]
        if self.clip_norm is not None and self.order == "clip_then_noise" and params:
            torch.nn.utils.clip_grad_norm_(params, self.clip_norm)
        for group in param_groups:
            grads_of = [p for p in group["params"] if p.grad is not None]
            if not grads_of:
                continue
            std = self.std(group.get("noise_eta"))
            devices = {p.grad.device for p in grads_of}
            gens = {str(d): self._generator(d) for d in devices}
            gen_map = (
                None
                if all(g is None for g in gens.values())
                else {k: v for k, v in gens.items() if v is not None}
            )
            add_gradient_noise_(grads_of, std, generator=gen_map)
        if self.clip_norm is not None and self.order == "noise_then_clip" and params:
            torch.nn.utils.clip_grad_norm_(params, self.clip_norm)

    def state_dict(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "eta": self.eta,
            "gamma": self.gamma,
            "seed": self.seed,
            "generators": {k: g.get_state() for k, g in self.generators.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.t = int(state["t"])
        self.eta = _check_eta(state.get("eta", self.eta))
        self.seed = state.get("seed", self.seed)
        for key, gen_state in state.get("generators", {}).items():
            gen = self._generator(torch.device(key)) if key not in self.generators else self.generators[key]
            if gen is None:
                gen = self.generators[key] = torch.Generator(device=torch.device(key))
            gen.set_state(gen_state)
