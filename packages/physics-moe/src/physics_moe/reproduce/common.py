"""Training and evaluation of the three arms (PI-SC, PI-HC, PI-HC-MoE) on one PDE task, with atomic checkpoints.

A run is fully determined by its config and seed: the initial weights (``torch.manual_seed``), the batches and the
sampled constraint points (one CPU generator) and the data. A checkpoint holds the model, the optimiser, the
scheduler, the generator state and the step, written to a temporary file and renamed; ``train`` resumes from it
and gives the same weights as an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from physics_moe.layers import HardConstraint, MoEHardConstraint, SoftConstraint
from physics_moe.losses import physics_loss, relative_l2
from physics_moe.models import FNO2d, operator_input
from physics_moe.pdes import PDE1D

ARMS = ("PI-SC", "PI-HC", "PI-HC-MoE")


@dataclasses.dataclass(frozen=True)
class ArmConfig:
    """One arm's training setting."""

    arm: str
    n_basis: int = 16
    modes: tuple[int, int] = (8, 8)
    width: int = 32
    n_layers: int = 3
    fc: int = 128
    n_samples: int = 1024  # total for PI-HC; per expert for PI-HC-MoE (the caller divides)
    experts: tuple[int, int] = (1, 4)
    max_iter: int = 20
    tol: float = 1e-6
    ridge: float = 1e-4
    steps: int = 300
    batch: int = 4
    lr: float = 1e-3
    lr_final: float = 1e-4
    w_ic: float = 1.0
    w_bc: float = 1.0


class Model(torch.nn.Module):
    """Backbone + (hard | MoE | no) constraint: ``forward(t, x, u0, bc) -> (u, info or None)``."""

    def __init__(self, pde: PDE1D, cfg: ArmConfig) -> None:
        super().__init__()
        if cfg.arm not in ARMS:
            raise ValueError(f"arm must be one of {ARMS}, got {cfg.arm!r}")
        self.arm = cfg.arm
        soft = cfg.arm == "PI-SC"
        self.net = FNO2d(
            out_channels=1 if soft else cfg.n_basis,
            modes=cfg.modes,
            width=cfg.width,
            n_layers=cfg.n_layers,
            fc=cfg.fc,
            final_activation=not soft,
        )
        kw: dict[str, Any] = dict(max_iter=cfg.max_iter, rtol=cfg.tol, atol=cfg.tol, ridge=cfg.ridge)
        self.head: torch.nn.Module
        if soft:
            self.head = SoftConstraint()
        elif cfg.arm == "PI-HC":
            self.head = HardConstraint(pde, n_samples=cfg.n_samples, **kw)
        else:
            self.head = MoEHardConstraint(pde, n_samples=cfg.n_samples, experts=cfg.experts, **kw)

    def forward(self, t, x, u0, bc, generator=None):
        out = self.net(operator_input(t, x, u0.float()))
        if self.arm == "PI-SC":
            return self.head(out), None
        res = self.head(out, t, x, u0, bc, generator=generator)
        return res.u, res.info


def _save_atomic(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(
    pde: PDE1D,
    cfg: ArmConfig,
    data: dict[str, torch.Tensor],
    seed: int,
    *,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 50,
    stop_after: int | None = None,
    threads_note: str = "",
) -> tuple[Model, dict[str, float]]:
    """Train one arm on the physics loss (no interior data); resume from ``checkpoint`` when it exists.

    Args:
        pde: the PDE.
        cfg: the arm's setting.
        data: ``{"t", "x", "u0", "bc"}`` training tensors.
        seed: the run's seed.
        checkpoint: file for atomic checkpoints (None: none).
        checkpoint_every: steps between checkpoints.
        stop_after: stop after this many steps in total (to test resuming).
        threads_note: unused (kept for the log line).

    Returns:
        ``(model, stats)`` with the mean time per step, mean LM iterations and the converged fraction.
    """
    torch.manual_seed(seed)
    model = Model(pde, cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gamma = (cfg.lr_final / cfg.lr) ** (1 / max(cfg.steps, 1))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma)
    gen = torch.Generator().manual_seed(10_000 + seed)
    step, times, iters, conv = 0, [], [], []
    path = Path(checkpoint) if checkpoint else None
    if path is not None and path.exists():
        state = torch.load(path, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        gen.set_state(state["gen"])
        step, times, iters, conv = state["step"], state["times"], state["iters"], state["conv"]
    t, x = data["t"], data["x"]
    n = data["u0"].shape[0]
    model.train()
    end = cfg.steps if stop_after is None else min(cfg.steps, stop_after)
    while step < end:
        idx = torch.randint(0, n, (cfg.batch,), generator=gen)
        t0 = time.perf_counter()
        u, info = model(t, x, data["u0"][idx], data["bc"][idx], generator=gen)
        losses = physics_loss(pde, u, t, x, data["u0"][idx], data["bc"][idx], w_ic=cfg.w_ic, w_bc=cfg.w_bc)
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        for p in model.parameters():
            if p.grad is not None:
                torch.nan_to_num_(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
        opt.step()
        sched.step()
        times.append(time.perf_counter() - t0)
        if info is not None:
            iters.append(float(info.n_iter.float().mean()))
            conv.append(float(info.converged.float().mean()))
        step += 1
        if path is not None and (step % checkpoint_every == 0 or step == end):
            _save_atomic(
                {
                    "model": model.state_dict(),
                    "opt": opt.state_dict(),
                    "sched": sched.state_dict(),
                    "gen": gen.get_state(),
                    "step": step,
                    "times": times,
                    "iters": iters,
                    "conv": conv,
                },
                path,
            )
    warm = times[5:] if len(times) > 10 else times
    stats = {
        "time_per_step_s": float(np.mean(warm)) if warm else float("nan"),
        "train_lm_iters": float(np.mean(iters)) if iters else float("nan"),
        "train_converged": float(np.mean(conv)) if conv else float("nan"),
    }
    return model, stats


@torch.no_grad()
def evaluate(model: Model, data: dict[str, torch.Tensor], *, batch: int = 4) -> dict[str, float]:
    """Relative L2 error against the exact solution (fixed constraint points: eval mode), inference time per batch,
    LM iterations and converged fraction."""
    model.eval()
    errs, times, iters, conv = [], [], [], []
    n = data["u0"].shape[0]
    for i in range(0, n, batch):
        sl = slice(i, min(i + batch, n))
        t0 = time.perf_counter()
        u, info = model(data["t"], data["x"], data["u0"][sl], data["bc"][sl])
        times.append(time.perf_counter() - t0)
        errs.append(relative_l2(u.double(), data["u"][sl]))
        if info is not None:
            iters.append(info.n_iter.float().flatten())
            conv.append(info.converged.float().flatten())
    model.train()
    out = {
        "rel_l2": float(torch.cat(errs).mean()),
        "infer_time_s": float(np.mean(times[1:] if len(times) > 2 else times)),
    }
    if iters:
        out["lm_iters"] = float(torch.cat(iters).mean())
        out["converged"] = float(torch.cat(conv).mean())
    return out
