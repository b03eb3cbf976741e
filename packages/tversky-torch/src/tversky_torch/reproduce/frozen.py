"""Study ``frozen``: the head swap as an adapter on a frozen backbone (the paper's NABirds / frozen ResNet-50
setting, v1 abstract, at toy scale).

For every seed the MLP backbone is trained with a linear head (the spec's lr 1e-3), then frozen, and new heads
(linear, Tversky) are trained on it. Pass: the Tversky head's mean test accuracy >= the linear head's, on the
deciding arms (signed embedding, the layer's default U[0, 1) init, each head's learning rate chosen on a validation
split of the training data: see :class:`~tversky_torch.reproduce.mlp.HeadInit`; for the choice the backbone is trained
on the training split minus the validation split, then the whole protocol is rerun on the whole training split).
The first run's ReLU-embedding arms are reported beside them, not deciding. A precision check repeats both
comparisons on more seeds, paired by seed (same split, same frozen backbone), because five seeds cannot resolve a
difference well below one point.
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
from tversky_torch.reproduce.common import positive_int, seed_label
from tversky_torch.reproduce.mlp import (
    DECIDING,
    EMBED,
    Data,
    HeadInit,
    backbone,
    digits_split,
    fit,
    lr_table,
    relu_arms,
    report_heads,
    select_lr,
    tversky_head,
    validation_split,
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


def frozen_backbone(cfg: Config, data: Data, seed: int, relu: bool, device: torch.device) -> nn.Module:
    """The backbone trained with a linear head at ``cfg.lr`` on ``data``'s training part, then frozen."""
    seed_everything(seed)
    lin = nn.Sequential(backbone(relu), nn.Linear(EMBED, 10)).to(device)
    fit(lin, lin.parameters(), data, cfg, seed)
    return lin[0].requires_grad_(False)


def head_accuracy(
    cfg: Config,
    frozen: nn.Module,
    arm: str,
    data: Data,
    seed: int,
    device: torch.device,
    lr: float | None = None,
) -> float:
    """Accuracy of a new head (``linear`` or ``tversky[_<init>]``) trained on the frozen backbone ``frozen``."""
    seed_everything(seed + 1000)
    head: nn.Module = (
        nn.Linear(EMBED, 10) if arm == "linear" else tversky_head(cfg, arm.partition("_")[2] or None)
    )
    return fit(nn.Sequential(frozen, head).to(device), head.parameters(), data, cfg, seed, lr=lr)


def deciding(cfg: Config, data: Data, seed: int, device: torch.device) -> dict[str, float]:
    """The deciding heads on the signed embedding: each lr chosen on validation (backbone trained without the
    validation split), then backbone and heads retrained on the training split; test accuracies, chosen rates
    (``lr.<arm>``) and validation accuracies (``val.<arm>@<lr>``)."""
    sub = validation_split(data, cfg, seed)
    probe = frozen_backbone(cfg, sub, seed, cfg.embed_relu, device)
    chosen: dict[str, float] = {}
    out: dict[str, float] = {}
    for arm in DECIDING:

        def train_at(lr: float, arm: str = arm) -> float:
            return head_accuracy(cfg, probe, arm, sub, seed, device, lr)

        chosen[arm], val = select_lr(cfg, train_at)
        out.update({f"val.{arm}@{r:g}": v for r, v in val.items()})
    final = frozen_backbone(cfg, data, seed, cfg.embed_relu, device)
    for arm in DECIDING:
        out[arm] = head_accuracy(cfg, final, arm, data, seed, device, chosen[arm])
        out[f"lr.{arm}"] = chosen[arm]
    return out


def first_run(
    cfg: Config, data: Data, seed: int, names: Sequence[str], device: torch.device
) -> dict[str, float]:
    """The first run's arms (``relu_linear``, ``relu_tversky_<init>``), computed exactly as then: ReLU backbone,
    every head at the fixed ``cfg.lr``."""
    frozen = frozen_backbone(cfg, data, seed, True, device)
    return {n: head_accuracy(cfg, frozen, n.removeprefix("relu_"), data, seed, device) for n in names}


def run(cfg: Config, ctx: Context) -> None:
    arms = [*DECIDING, *relu_arms(cfg)]
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    prec_seeds = ctx.seeds_prefix(cfg.n_precision_seeds) if cfg.n_precision_seeds else ()
    if len(prec_seeds) <= len(seeds):
        prec_seeds = ()
    # the precision check compares the deciding pair, and the first run's pair (its ReLU linear / N(0, 1/d) heads)
    prec_relu = [a for a in relu_arms(cfg) if a in ("relu_linear", "relu_tversky_normal")]
    acc: dict[int, dict[str, float]] = {}
    for seed in ctx.progress(seeds):
        data = digits_split(seed, ctx.device)
        acc[seed] = {
            **deciding(cfg, data, seed, ctx.device),
            **first_run(cfg, data, seed, relu_arms(cfg), ctx.device),
        }
    # the precision check's seeds include the first ones: their heads are the ones above
    for seed in ctx.progress([s for s in prec_seeds if s not in acc], desc="frozen precision"):
        data = digits_split(seed, ctx.device)
        acc[seed] = {
            **deciding(cfg, data, seed, ctx.device),
            **first_run(cfg, data, seed, prec_relu, ctx.device),
        }
    for seed, r in acc.items():
        ctx.add_seed(seed, r)
    summ = {a: mean_std([acc[s][a] for s in seeds]) for a in arms}
    report_heads(
        ctx,
        cfg,
        summ,
        setting="digits 8x8, frozen backbone + new head",
        paper=PAPER,
        criterion="digits frozen backbone (signed embedding, default init, lr on validation): Tversky >= linear",
        margin=0.0,
    )
    lr_table(ctx, cfg, {s: {a: acc[s][f"lr.{a}"] for a in DECIDING} for s in seeds}, "frozen backbone")
    ctx.set_paper("accuracy", PAPER)
    if prec_seeds:
        sub = {s: acc[s] for s in prec_seeds}
        precision(
            ctx, sub, ("linear", "tversky"), "precision", "frozen_precision", "signed embedding, default init"
        )
        if len(prec_relu) == 2:
            precision(
                ctx,
                sub,
                tuple(prec_relu),
                "precision_relu",
                "frozen_precision_relu",
                "first run: ReLU, init normal",
            )


def precision(
    ctx: Context, acc: dict[int, dict[str, float]], pair: Sequence[str], key: str, table: str, label: str
) -> None:
    """The linear vs Tversky heads ``pair`` on the seeds of ``acc``, paired by seed (same split, same frozen
    backbone), so the per-seed difference Tversky - linear has a much smaller spread than either: summary
    ``frozen.<key>.*`` and table ``table``."""
    seeds, n = list(acc), len(acc)
    a_lin, a_tv = pair
    lin = mean_std([acc[s][a_lin] for s in seeds])
    tv = mean_std([acc[s][a_tv] for s in seeds])
    diff = [acc[s][a_tv] - acc[s][a_lin] for s in seeds]
    d = mean_std(diff)
    wins = sum(x > 0 for x in diff)
    ctx.set_summary(f"{key}.seeds", n)
    ctx.set_summary(f"{key}.linear", lin)
    ctx.set_summary(f"{key}.tversky", tv)
    ctx.set_summary(f"{key}.difference", d)
    ctx.set_summary(f"{key}.tversky_wins", wins)

    def se(stat: dict[str, float]) -> str:
        return f"{stat['std'] / math.sqrt(n):.2f}"

    ctx.add_table(
        table,
        [f"frozen backbone ({label}), seeds {seed_label(seeds)}", "test accuracy %", "standard error"],
        [
            ["linear head", lin, se(lin)],
            ["Tversky head", tv, se(tv)],
            [f"Tversky - linear, paired by seed (Tversky ahead on {wins} of {n})", d, se(d)],
        ],
    )
