"""Study ``digits`` (the paper's MNIST setting at toy scale, Sec. 3.1): head swap trained end to end.

scikit-learn's 8x8 digits, an MLP backbone (64 -> 64 -> 32) with a linear head vs a Tversky head
(``TverskyProjection(32, 10, K=32)``), both trained end to end with the same data, batches and budget.
Pass (the spec's honest bar, "not worse"): Tversky mean test accuracy >= linear mean - 1.0 point.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from torch import nn

from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context
from tversky_nn.reproduce.mlp import (
    EMBED,
    PAPER_DIGITS,
    HeadInit,
    backbone,
    digits_split,
    fit,
    report_heads,
    tversky_head,
)


@dataclasses.dataclass(frozen=True)
class Config(HeadInit):
    """The spec's head-swap protocol (5 seeds: a prefix of the run's seeds; 30 epochs, batch 64, Adam 1e-3)."""

    study: ClassVar[str] = "digits"


def run(cfg: Config, ctx: Context) -> None:
    arms = ["linear", "tversky"] + (["tversky_ablation"] if cfg.init_ablation is not None else [])
    acc: dict[str, list[float]] = {a: [] for a in arms}
    for seed in ctx.progress(ctx.seeds_prefix(cfg.n_seeds)):
        data = digits_split(seed, ctx.device)
        seed_everything(seed)
        lin = nn.Sequential(backbone(cfg.embed_relu), nn.Linear(EMBED, 10)).to(ctx.device)
        acc["linear"].append(fit(lin, lin.parameters(), data, cfg, seed))
        for name, init in (("tversky", None), ("tversky_ablation", cfg.init_ablation)):
            if name in acc:
                seed_everything(seed)
                tv = nn.Sequential(backbone(cfg.embed_relu), tversky_head(cfg, init)).to(ctx.device)
                acc[name].append(fit(tv, tv.parameters(), data, cfg, seed))
        ctx.add_seed(seed, {k: v[-1] for k, v in acc.items()})
    summ = {k: mean_std(v) for k, v in acc.items()}
    report_heads(
        ctx,
        cfg,
        summ,
        setting="digits 8x8, MLP + head, end to end",
        ablation="digits end to end",
        paper=PAPER_DIGITS,
    )
    ctx.set_baseline("linear", summ["linear"])
    ctx.set_paper("accuracy", PAPER_DIGITS)
    m_t, m_l = summ["tversky"]["mean"], summ["linear"]["mean"]
    ctx.add_criterion(
        "digits end to end: Tversky >= linear - 1.0 pt",
        m_t >= m_l - 1.0,
        f"Tversky {m_t:.2f} vs linear {m_l:.2f}",
    )
