"""Study ``width`` (full preset): width search with RARTS against network slimming at an equal channel budget.

On the digits (darts-core's 600 / 600 / 597 split), a :class:`rarts.WidthSearchNet` (three conv blocks of 16, 32, 64
channels, candidate widths 25 / 50 / 75 / 100 %) is searched with :meth:`rarts.RARTS.step` (w on the training split,
y on the validation split); the derived widths are retrained from scratch on train + val and tested. Baselines at
the same total number of channels: network slimming (Liu et al. 2017: L1 on the BatchNorm scales while training the
full network, global threshold on |γ| to the budget, retrain from scratch) and uniform scaling of every layer.
Criterion (reported in the full preset only): RARTS' widths test at least as well as slimming's, on average.
(The paper's own width-search setting, on CIFAR-10 ResNets, could not be checked here.)
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from darts_core import TensorLoader
from darts_core.reproduce.data import digits_splits
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context
from rarts.optimizer import RARTS
from rarts.width import WidthSearchNet


@dataclasses.dataclass(frozen=True)
class Config:
    channels: tuple[int, ...] = (16, 32, 64)
    fractions: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    epochs: int = 30  # search epochs
    retrain_epochs: int = 30
    batch_size: int = 100
    lr: float = 0.05
    arch_lr: float = 3e-3
    lam: float = 1.0
    beta: float = 1.0
    slim_l1: float = 1e-4  # network slimming's sparsity weight on |γ|

    def __post_init__(self) -> None:
        for name in ("epochs", "retrain_epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"width.{name} must be a positive int, got {v!r}")
        for name in ("lr", "arch_lr", "lam", "beta", "slim_l1"):
            if not getattr(self, name) > 0:
                raise ValueError(f"width.{name} must be > 0, got {getattr(self, name)!r}")


def _net(channels: tuple[int, ...], fractions: tuple[float, ...] = (1.0,)) -> WidthSearchNet:
    return WidthSearchNet(channels, width_fractions=fractions, in_channels=1, num_classes=10)


def train_plain(
    model: WidthSearchNet, loader: TensorLoader, epochs: int, lr: float, l1: float = 0.0
) -> WidthSearchNet:
    """SGD (momentum 0.9, wd 3e-4, cosine to 0) on the weights; ``l1`` adds ``l1 · Σ|γ|`` of every BatchNorm."""
    params = model.weight_parameters()
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=3e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            if l1 > 0:
                loss = loss + l1 * sum(cast(nn.BatchNorm2d, b.bn).weight.abs().sum() for b in model.layers())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sched.step()
    return model


@torch.no_grad()
def test_acc(model: WidthSearchNet, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return float((model(x).argmax(1) == y).float().mean())


def slimming_widths(model: WidthSearchNet, budget: int) -> tuple[int, ...]:
    """Keep the ``budget`` channels with the largest |γ| over all layers (at least one per layer)."""
    gammas = [cast(nn.BatchNorm2d, b.bn).weight.detach().abs() for b in model.layers()]
    flat = torch.cat(gammas)
    thr = flat.sort(descending=True).values[min(budget, len(flat)) - 1]
    return tuple(max(1, int((g >= thr).sum())) for g in gammas)


def uniform_widths(channels: tuple[int, ...], budget: int) -> tuple[int, ...]:
    scale = budget / sum(channels)
    return tuple(max(1, round(c * scale)) for c in channels)


def one_seed(cfg: Config, seed: int, device: Any) -> dict[str, Any]:
    d = digits_splits()
    tr = [t.to(device) for t in d["train"]]
    va = [t.to(device) for t in d["val"]]
    te = [t.to(device) for t in d["test"]]
    seed_everything(seed)
    net = _net(cfg.channels, cfg.fractions).to(device)
    r = RARTS(net, lam=cfg.lam, beta=cfg.beta, w_lr=cfg.lr, arch_lr=cfg.arch_lr)
    train = TensorLoader(*tr, batch_size=cfg.batch_size, seed=seed)
    val = TensorLoader(*va, batch_size=cfg.batch_size, seed=seed + 10_000)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(r.w_optimizer, cfg.epochs, eta_min=1e-3)
    for _ in range(cfg.epochs):
        for tb, vb in zip(train, val, strict=False):
            r.step(tb, vb)
        sched.step()
    widths = net.genotype()
    budget = sum(widths)
    both = TensorLoader(
        torch.cat([tr[0], va[0]]), torch.cat([tr[1], va[1]]), batch_size=cfg.batch_size, seed=seed
    )
    seed_everything(seed + 1)
    full = train_plain(_net(cfg.channels).to(device), both, cfg.retrain_epochs, cfg.lr, l1=cfg.slim_l1)
    slim = slimming_widths(full, budget)
    out: dict[str, Any] = {"budget": budget}
    for name, ws in (
        ("rarts", widths),
        ("slimming", slim),
        ("uniform", uniform_widths(cfg.channels, budget)),
    ):
        seed_everything(seed + 2)
        m = train_plain(_net(ws).to(device), both, cfg.retrain_epochs, cfg.lr)
        out[name] = {"widths": list(ws), "test_acc": test_acc(m, *te)}
    return out


def run(cfg: Config, ctx: Context) -> None:
    outs = [one_seed(cfg, s, ctx.device) for s in ctx.progress(ctx.seeds, desc="width")]
    setting = f"digits, WidthSearchNet {cfg.channels}, equal channel budget (CPU/GPU-scale)"
    for s, o in zip(ctx.seeds, outs, strict=True):
        ctx.add_seed(
            s, {f"{k}.{kk}": vv for k, v in o.items() if isinstance(v, dict) for kk, vv in v.items()}
        )
    summ = {k: mean_std([o[k]["test_acc"] for o in outs]) for k in ("rarts", "slimming", "uniform")}
    for k, v in summ.items():
        ctx.set_summary(f"{k}.test_acc", v)
    ctx.add_row(
        setting,
        "test acc of the retrained network, RARTS widths",
        summ["rarts"],
        paper="RARTS abstract: width search outperforms traditional network pruning",
        baseline=f"slimming {summ['slimming']['mean']:.4f}; uniform {summ['uniform']['mean']:.4f}",
    )
    ctx.add_table(
        "width",
        ["seed", "RARTS widths", "acc", "slimming widths", "acc", "uniform widths", "acc"],
        [
            [
                str(s),
                *[
                    v
                    for k in ("rarts", "slimming", "uniform")
                    for v in (str(o[k]["widths"]), round(o[k]["test_acc"], 4))
                ],
            ]
            for s, o in zip(ctx.seeds, outs, strict=True)
        ],
    )
    ctx.add_criterion(
        "width: RARTS' widths test at least as well as network slimming's at the same channel budget (mean)",
        summ["rarts"]["mean"] >= summ["slimming"]["mean"],
        f"{summ['rarts']['mean']:.4f} vs {summ['slimming']['mean']:.4f}",
    )
