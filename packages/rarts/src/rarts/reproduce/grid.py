"""Study ``grid`` (full preset): the RARTS arm of the long search over a λ, β grid, reported, deciding nothing.

Every (λ, β) runs :func:`rarts.reproduce.long_search.one_arm` on the run's seeds with darts-core's long-search recipe;
the table holds the mean ground-truth regret and the number of collapsed seeds of each pair. The grid is never used
to pick λ, β for the verdict (those are pre-registered in ``long_search``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from darts_core.reproduce.long_search import map_arms
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from rarts.reproduce.long_search import Config as LongConfig
from rarts.reproduce.long_search import one_arm


@dataclasses.dataclass(frozen=True)
class Config(LongConfig):
    STUDY: ClassVar[str] = "grid"

    lams: tuple[float, ...] = (0.1, 1.0, 10.0)
    betas: tuple[float, ...] = (0.1, 1.0, 10.0)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.lams or not self.betas or any(not v > 0 for v in (*self.lams, *self.betas)):
            raise ValueError(
                f"grid.lams and grid.betas must be non-empty and > 0, got {self.lams}, {self.betas}"
            )


def run(cfg: Config, ctx: Context) -> None:
    device = str(ctx.device)
    pairs = [(lam, beta) for lam in cfg.lams for beta in cfg.betas]
    jobs: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((dataclasses.replace(cfg, lam=lam, beta=beta, checkpoints=()), "RARTS", s, device), {})
        for lam, beta in pairs
        for s in ctx.seeds
    ]
    workers = cfg.workers if ctx.device.type == "cpu" else 1
    outs = map_arms(one_arm, jobs, workers=min(workers, len(jobs)), progress=ctx.progress)
    rows = []
    n = len(ctx.seeds)
    for j, s in enumerate(ctx.seeds):
        ctx.add_seed(
            s,
            {
                f"lam{lam:g}_beta{beta:g}.regret": outs[i * n + j]["regret"]
                for i, (lam, beta) in enumerate(pairs)
            },
        )
    for i, (lam, beta) in enumerate(pairs):
        chunk = outs[i * n : (i + 1) * n]
        reg = [o["regret"] for o in chunk]
        ms = mean_std(reg)
        ctx.set_summary(f"lam{lam:g}_beta{beta:g}.regret", ms)
        rows.append([f"{lam:g}", f"{beta:g}", round(ms["mean"], 4), sum(o["collapsed"] for o in chunk), n])
    ctx.add_table("grid", ["λ", "β", "mean regret", "collapsed seeds", "seeds"], rows)
