"""Study ``digits`` (the paper's MNIST setting at toy scale, Sec. 3.1): head swap trained end to end.

scikit-learn's 8x8 digits, an MLP backbone (64 -> 64 -> 32) with a linear head vs a Tversky head
(``TverskyProjection(32, 10, K=32)``), both trained end to end with the same data, batches and budget.
Pass (the spec's honest bar, "not worse"): Tversky mean test accuracy >= linear mean - 1.0 point, on the deciding
arms (signed embedding, the layer's default U[0, 1) init, each head's learning rate chosen on a validation split of
the training data; see :class:`~tversky_torch.reproduce.mlp.HeadInit`). The first run's ReLU-embedding arms are
reported beside them, not deciding.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from torch import nn

from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context
from tversky_torch.reproduce.mlp import (
    DECIDING,
    EMBED,
    PAPER_DIGITS,
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


@dataclasses.dataclass(frozen=True)
class Config(HeadInit):
    """The spec's head-swap protocol (5 seeds: a prefix of the run's seeds; 30 epochs, batch 64, Adam; the spec's
    lr 1e-3 is the first rate of the grid and the fixed rate of the reported ReLU arms)."""

    study: ClassVar[str] = "digits"


def model(cfg: Config, arm: str, relu: bool) -> nn.Module:
    """Backbone + head for ``arm``: ``linear``, ``tversky`` (``cfg.init``) or ``tversky_<init>``."""
    body = backbone(relu)  # built first: the first run drew the backbone's initial values before the head's
    head = nn.Linear(EMBED, 10) if arm == "linear" else tversky_head(cfg, arm.partition("_")[2] or None)
    return nn.Sequential(body, head)


def deciding(cfg: Config, data: Data, seed: int, ctx: Context) -> dict[str, float]:
    """Both deciding heads on the signed embedding: lr chosen on validation, then retrained on the training split;
    returns test accuracies, the chosen rates (``lr.<arm>``) and the validation accuracies (``val.<arm>@<lr>``)."""
    sub = validation_split(data, cfg, seed)
    out: dict[str, float] = {}
    for arm in DECIDING:

        def train_at(lr: float, data: Data = sub, arm: str = arm) -> float:
            seed_everything(seed)
            m = model(cfg, arm, cfg.embed_relu).to(ctx.device)
            return fit(m, m.parameters(), data, cfg, seed, lr=lr)

        lr, val = select_lr(cfg, train_at)
        out[arm] = train_at(lr, data)
        out[f"lr.{arm}"] = lr
        out.update({f"val.{arm}@{r:g}": v for r, v in val.items()})
    return out


def run(cfg: Config, ctx: Context) -> None:
    arms = [*DECIDING, *relu_arms(cfg)]
    acc: dict[str, list[float]] = {a: [] for a in arms}
    chosen: dict[int, dict[str, float]] = {}
    for seed in ctx.progress(ctx.seeds_prefix(cfg.n_seeds)):
        data = digits_split(seed, ctx.device)
        metrics = deciding(cfg, data, seed, ctx)
        chosen[seed] = {a: metrics[f"lr.{a}"] for a in DECIDING}
        # the first run's arms, computed exactly as then (ReLU embedding, fixed lr, same seeds)
        for arm in relu_arms(cfg):
            seed_everything(seed)
            m = model(cfg, arm.removeprefix("relu_"), True).to(ctx.device)
            metrics[arm] = fit(m, m.parameters(), data, cfg, seed)
        for a in arms:
            acc[a].append(metrics[a])
        ctx.add_seed(seed, metrics)
    summ = {k: mean_std(v) for k, v in acc.items()}
    report_heads(
        ctx,
        cfg,
        summ,
        setting="digits 8x8, MLP + head, end to end",
        paper=PAPER_DIGITS,
        criterion="digits end to end (signed embedding, default init, lr on validation): "
        "Tversky >= linear - 1.0 pt",
        margin=1.0,
    )
    lr_table(ctx, cfg, chosen, "digits end to end")
    ctx.set_paper("accuracy", PAPER_DIGITS)
