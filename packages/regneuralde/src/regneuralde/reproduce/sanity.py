"""Study ``sanity``: the gradient of the ERNODE term has the right sign, on a problem solved by hand.

``z' = lam z`` with ``lam`` learnable from -20, task loss 0, loss = ``weight`` x R_E alone, Adam: ``|lam|`` must
fall (a slower decay is easier to integrate) and the NFE over [0, 1] must drop monotonically (the spec's
criterion: never rising from one step to the next, and lower at the end). The check draws no random numbers: it
runs once and records its values under the run's first seed.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from paperzoo_shared.runner import Context, pyplot, threads
from regneuralde.nn import NeuralODE


@dataclasses.dataclass(frozen=True)
class Config:
    iters: int = 30  # Adam steps
    lam0: float = -20.0  # initial lam
    lr: float = 0.5
    weight: float = 100.0  # loss = weight x R_E
    rtol: float = 1e-6  # rtol = atol

    def __post_init__(self) -> None:
        if self.iters < 2:
            raise ValueError(f"sanity.iters must be >= 2 (a first and a last step), got {self.iters}")
        if not self.lam0 < 0:
            raise ValueError(f"sanity.lam0 must be < 0 (a decaying solution), got {self.lam0}")
        for name in ("lr", "weight", "rtol"):
            if not getattr(self, name) > 0:
                raise ValueError(f"sanity.{name} must be > 0, got {getattr(self, name)}")


class Linear(nn.Module):
    """``f(t, z) = lam z`` with a learnable scalar ``lam``."""

    def __init__(self, lam0: float) -> None:
        super().__init__()
        self.lam = nn.Parameter(torch.tensor(lam0, dtype=torch.float64))

    def forward(self, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.lam * z


def analytic_sanity(
    iters: int, *, lam0: float = -20.0, lr: float = 0.5, weight: float = 100.0, rtol: float = 1e-6
) -> dict[str, list[float]]:
    """``lam`` and the NFE before each of ``iters`` Adam steps on ``weight * R_E``."""
    field = Linear(lam0)
    node = NeuralODE(field, rtol=rtol, atol=rtol, regularize="error")
    opt = torch.optim.Adam([field.lam], lr=lr)
    lams, nfes = [], []
    for _ in range(iters):
        _, reg, stats = node(torch.ones(4, dtype=torch.float64))
        lams.append(field.lam.item())
        nfes.append(stats.nfe)
        opt.zero_grad()
        (weight * reg).backward()
        opt.step()
    return {"lambda": lams, "nfe": nfes}


def monotone_drop(lam: list[float], nfe: list[float]) -> tuple[bool, int]:
    """The spec's sanity criterion: ``|lam|`` lower at the end and the NFE never rising, lower at the end.
    Returns (passed, number of steps on which the NFE rose)."""
    rises = sum(b > a for a, b in zip(nfe, nfe[1:], strict=False))
    return abs(lam[-1]) < abs(lam[0]) and nfe[-1] < nfe[0] and rises == 0, rises


def run(cfg: Config, ctx: Context) -> None:
    with threads(1):
        san = analytic_sanity(cfg.iters, lam0=cfg.lam0, lr=cfg.lr, weight=cfg.weight, rtol=cfg.rtol)
    lam, nfe = san["lambda"], san["nfe"]
    passed, rises = monotone_drop(lam, nfe)
    values = {
        "lambda_first": lam[0],
        "lambda_last": lam[-1],
        "nfe_first": nfe[0],
        "nfe_last": nfe[-1],
        "nfe_rises": rises,
    }
    ctx.add_seed(ctx.seeds[0], values)
    for name, value in values.items():
        ctx.set_summary(name, value)
    ctx.set_data("curve", san)
    ctx.add_row(
        f"z' = lam z, lam0 = {cfg.lam0:g}, loss = {cfg.weight:g} R_E, {cfg.iters} Adam steps",
        "lam and NFE, first -> last",
        f"lam {lam[0]:.1f} -> {lam[-1]:.1f}; NFE {nfe[0]} -> {nfe[-1]}",
    )
    ctx.add_criterion(
        "sanity: |lam| decreases and the NFE drops monotonically under R_E alone",
        passed,
        f"lam {lam[0]:.1f} -> {lam[-1]:.2f}; NFE {nfe[0]} -> {nfe[-1]}, rising on {rises} of {len(nfe) - 1} steps",
    )


def draw(ctx: Context) -> None:
    if ctx.key("curve") not in ctx.results.data:
        return  # results written before the curve was recorded
    curve = ctx.get_data("curve")
    plt = pyplot()
    fig, (ax_nfe, ax_lam) = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    steps = range(len(curve["nfe"]))
    ax_nfe.plot(steps, curve["nfe"], marker=".")
    ax_nfe.set_xlabel("Adam step")
    ax_nfe.set_ylabel("NFE over [0, 1]")
    ax_lam.plot(steps, curve["lambda"], marker=".", color="C1")
    ax_lam.set_xlabel("Adam step")
    ax_lam.set_ylabel("lam")
    for ax in (ax_nfe, ax_lam):
        ax.grid(alpha=0.3)
    ctx.save_figure(
        fig, "curve", "Analytic check z' = lam z trained on the ERNODE term alone: NFE and lam over training"
    )
