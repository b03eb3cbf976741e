"""Study ``scaling`` (Task C of the spec): time per step and LM iterations as the constrained points grow.

The PI-HC and PI-HC-MoE models trained by the ``fisher`` study (first seed) are run on a finer 64 x 128 grid
(the FNO is resolution-independent) with ``m_total`` in {256, 1024, 4096} (MoE: ``m_total / 4`` per expert):
inference time per batch of 4, forward+backward time, mean LM iterations. Reported, not judged: on one CPU
both arms are expected to grow roughly linearly in ``m``; the paper's flat MoE curve comes from GPU parallelism
over experts and fewer LM iterations per smaller problem.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import torch

from paperzoo_shared.runner import Context, pyplot
from physics_moe.data import fisher_kpp_dataset
from physics_moe.losses import physics_loss
from physics_moe.pdes import FisherKPP1D
from physics_moe.reproduce import fisher
from physics_moe.reproduce.common import train


@dataclasses.dataclass(frozen=True)
class Config:
    nx: int = 128
    nt: int = 64
    m_totals: tuple[int, ...] = (256, 1024, 4096)
    reps: int = 3
    fallback_steps: int = 20  # training steps when the fisher study did not run in this process

    def __post_init__(self) -> None:
        if not self.m_totals or min(self.m_totals) < 4 or any(m % 4 for m in self.m_totals):
            raise ValueError(f"scaling.m_totals must be multiples of 4 (>= 4), got {self.m_totals}")
        if self.reps < 1:
            raise ValueError(f"scaling.reps must be >= 1, got {self.reps}")


def run(cfg: Config, ctx: Context) -> None:
    pde = FisherKPP1D()
    fcfg = fisher.Config()
    seed = ctx.seeds[0]
    d = fisher_kpp_dataset(4, nx=cfg.nx, nt=cfg.nt, x_range=fcfg.x_range, t_range=fcfg.t_range, seed=300)
    rows: list[list[Any]] = []
    curves: dict[str, dict[str, list[float]]] = {}
    for arm in ("PI-HC", "PI-HC-MoE"):
        model = fisher.TRAINED.get((seed, arm))
        if model is None:
            tr = fisher.datasets(fcfg)[0]
            model, _ = train(pde, fisher.arm_config(fcfg, arm, steps=cfg.fallback_steps), tr, seed)
        curves[arm] = {"m": [], "infer_s": [], "step_s": [], "lm_iters": []}
        for m in cfg.m_totals:
            model.head.n_samples = m // 4 if arm == "PI-HC-MoE" else m
            inf, stp, its = [], [], []
            gen = torch.Generator().manual_seed(seed)
            for _ in range(cfg.reps + 1):
                model.eval()
                t0 = time.perf_counter()
                with torch.no_grad():
                    u, info = model(d["t"], d["x"], d["u0"], d["bc"])
                inf.append(time.perf_counter() - t0)
                model.train()
                t0 = time.perf_counter()
                u, info = model(d["t"], d["x"], d["u0"], d["bc"], generator=gen)
                physics_loss(pde, u, d["t"], d["x"], d["u0"], d["bc"])["loss"].backward()
                stp.append(time.perf_counter() - t0)
                its.append(float(info.n_iter.float().mean()))
            model.zero_grad(set_to_none=True)
            c = curves[arm]
            c["m"].append(m)
            c["infer_s"].append(float(np.mean(inf[1:])))
            c["step_s"].append(float(np.mean(stp[1:])))
            c["lm_iters"].append(float(np.mean(its[1:])))
            rows.append([arm, m, c["infer_s"][-1], c["step_s"][-1], c["lm_iters"][-1]])
    ctx.add_table(
        "scaling",
        ["arm", "total m", "s / inference batch", "s / train step", "LM iterations"],
        rows,
    )
    ctx.set_data("curves", curves)
    for i, m in enumerate(cfg.m_totals):
        ctx.set_summary(
            f"step_ratio_moe_over_hc.m{m}", curves["PI-HC-MoE"]["step_s"][i] / curves["PI-HC"]["step_s"][i]
        )
        ctx.set_summary(f"lm_iters.PI-HC.m{m}", curves["PI-HC"]["lm_iters"][i])
        ctx.set_summary(f"lm_iters.PI-HC-MoE.m{m}", curves["PI-HC-MoE"]["lm_iters"][i])
    ctx.add_note(
        "scaling: reported, not judged (the spec expects both arms roughly linear in m on one CPU; the paper's "
        "1.6-12.8x GPU speed-ups come from parallel experts and are not expected here)."
    )


def draw(ctx: Context) -> None:
    plt = pyplot()
    curves = ctx.get_data("curves")
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.2))
    fig.subplots_adjust(wspace=0.35)
    for arm, c in curves.items():
        axes[0].plot(c["m"], c["step_s"], marker="o", label=arm)
        axes[1].plot(c["m"], c["lm_iters"], marker="o", label=arm)
    for ax, lab in zip(axes, ("s / train step", "LM iterations"), strict=True):
        ax.set_xscale("log")
        ms = next(iter(curves.values()))["m"]
        ax.set_xticks(ms, [str(m) for m in ms])
        ax.minorticks_off()
        ax.set_xlabel("total constrained points m")
        ax.set_ylabel(lab)
    axes[0].legend()
    ctx.save_figure(
        fig, "scaling", "Train-step time and LM iterations vs constrained points (one CPU thread)."
    )
