"""Study ``scale`` (placeholder): ``Scale(factor=2)`` equals ``2 x`` exactly, on every seed.

Replace with one module per study of the paper: a frozen config whose defaults are the spec's cpu protocol,
and ``run(cfg, ctx)`` that adds per-seed values, rows, criteria (and figures where the paper shows one).
"""

from __future__ import annotations

import dataclasses

import torch

from __pkg__.core import Scale
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context


@dataclasses.dataclass(frozen=True)
class Config:
    n: int = 1000  # points per seed

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"scale.n must be >= 1, got {self.n}")


def run(cfg: Config, ctx: Context) -> None:
    errors = []
    for seed in ctx.progress(ctx.seeds):
        seed_everything(seed)
        x = torch.randn(cfg.n, device=ctx.device)
        err = (Scale(factor=2.0)(x) - 2 * x).abs().max().item()
        ctx.add_seed(seed, {"max_error": err})
        errors.append(err)
    ctx.set_summary("max_error", mean_std(errors))
    ctx.add_row("placeholder", "max |Scale(x) - 2x|", ctx.results.summary["scale.max_error"])
    ctx.add_criterion("Scale(factor=2) is exact", max(errors) == 0.0, f"max error {max(errors)}")
