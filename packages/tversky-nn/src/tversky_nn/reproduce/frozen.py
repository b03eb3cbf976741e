"""Study ``frozen``: the head swap as an adapter on a frozen backbone (the paper's NABirds / frozen ResNet-50
setting, v1 abstract, at toy scale).

For every seed the MLP backbone is trained with a linear head exactly as in the ``digits`` study, then frozen,
and new heads (linear, Tversky) are trained on it. Pass: the Tversky head's mean test accuracy >= the linear
head's. A precision check repeats the comparison on more seeds, paired by seed (same split, same frozen
backbone), because five seeds cannot resolve a difference well below one point.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import ClassVar

import torch
from torch import nn

from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context
from tversky_nn.reproduce.common import positive_int, seed_label
from tversky_nn.reproduce.mlp import (
    EMBED,
    Data,
    HeadInit,
    backbone,
    digits_split,
    fit,
    report_heads,
    tversky_head,
)

PAPER = "NABirds, frozen ResNet-50 adapter: +24.7% relative accuracy (v1 abstract)"


@dataclasses.dataclass(frozen=True)
class Config(HeadInit):
    """The spec's frozen-backbone protocol (5 seeds, a prefix of the run's seeds; training as in ``digits``).
    ``n_precision_seeds``: the precision check's seeds, the first that many of the run's seeds (seeds 0-19 in
    the cpu preset); it runs only when that is more seeds than ``n_seeds`` (0 skips it)."""

    study: ClassVar[str] = "frozen"

    n_precision_seeds: int = 20

    def __post_init__(self) -> None:
        super().__post_init__()
        positive_int("frozen.n_precision_seeds", self.n_precision_seeds, minimum=0)


def frozen_heads(
    cfg: Config, frozen: nn.Module, data: Data, seed: int, names: Sequence[str], device: torch.device
) -> dict[str, float]:
    """Test accuracy of new heads (``linear`` / ``tversky`` / ``tversky_ablation``) trained on the backbone
    ``frozen``, which is frozen here."""
    frozen.requires_grad_(False)
    out = {}
    for name in names:
        seed_everything(seed + 1000)
        init = cfg.init_ablation if name == "tversky_ablation" else None
        head: nn.Module = nn.Linear(EMBED, 10) if name == "linear" else tversky_head(cfg, init)
        model = nn.Sequential(frozen, head).to(device)
        out[name] = fit(model, head.parameters(), data, cfg, seed)
    return out


def one_seed(cfg: Config, seed: int, names: Sequence[str], device: torch.device) -> dict[str, float]:
    """The backbone trained with a linear head on ``seed``'s split (as in ``digits``), then the frozen heads."""
    data = digits_split(seed, device)
    seed_everything(seed)
    lin = nn.Sequential(backbone(cfg.embed_relu), nn.Linear(EMBED, 10)).to(device)
    fit(lin, lin.parameters(), data, cfg, seed)
    return frozen_heads(cfg, lin[0], data, seed, names, device)


def run(cfg: Config, ctx: Context) -> None:
    arms = ["linear", "tversky"] + (["tversky_ablation"] if cfg.init_ablation is not None else [])
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    prec_seeds = ctx.seeds_prefix(cfg.n_precision_seeds) if cfg.n_precision_seeds else ()
    if len(prec_seeds) <= len(seeds):
        prec_seeds = ()
    acc: dict[int, dict[str, float]] = {}
    for seed in ctx.progress(seeds):
        acc[seed] = one_seed(cfg, seed, arms, ctx.device)
    # the precision check's seeds include the first ones: their linear / Tversky heads are the ones above
    for seed in ctx.progress([s for s in prec_seeds if s not in acc], desc="frozen precision"):
        acc[seed] = one_seed(cfg, seed, ["linear", "tversky"], ctx.device)
    for seed, r in acc.items():
        ctx.add_seed(seed, r)
    summ = {a: mean_std([acc[s][a] for s in seeds]) for a in arms}
    report_heads(
        ctx,
        cfg,
        summ,
        setting="digits 8x8, frozen backbone + new head",
        ablation="digits frozen backbone",
        paper=PAPER,
    )
    ctx.set_paper("accuracy", PAPER)
    f_t, f_l = summ["tversky"]["mean"], summ["linear"]["mean"]
    ctx.add_criterion(
        "digits frozen backbone: Tversky >= linear", f_t >= f_l, f"Tversky {f_t:.2f} vs linear {f_l:.2f}"
    )
    if prec_seeds:
        precision(ctx, {s: acc[s] for s in prec_seeds})


def precision(ctx: Context, acc: dict[int, dict[str, float]]) -> None:
    """Linear vs Tversky adapter heads on the seeds of ``acc``, paired by seed (same split, same frozen
    backbone), so the per-seed difference Tversky - linear has a much smaller spread than either: summary
    ``frozen.precision.*`` and table ``frozen_precision``."""
    seeds, n = list(acc), len(acc)
    lin = mean_std([acc[s]["linear"] for s in seeds])
    tv = mean_std([acc[s]["tversky"] for s in seeds])
    diff = [acc[s]["tversky"] - acc[s]["linear"] for s in seeds]
    d = mean_std(diff)
    wins = sum(x > 0 for x in diff)
    ctx.set_summary("precision.seeds", n)
    ctx.set_summary("precision.linear", lin)
    ctx.set_summary("precision.tversky", tv)
    ctx.set_summary("precision.difference", d)
    ctx.set_summary("precision.tversky_wins", wins)

    def se(stat: dict[str, float]) -> str:
        return f"{stat['std'] / math.sqrt(n):.2f}"

    ctx.add_table(
        "frozen_precision",
        [f"frozen backbone, seeds {seed_label(seeds)}", "test accuracy %", "standard error"],
        [
            ["linear head", lin, se(lin)],
            ["Tversky head", tv, se(tv)],
            [f"Tversky - linear, paired by seed (Tversky ahead on {wins} of {n})", d, se(d)],
        ],
    )
