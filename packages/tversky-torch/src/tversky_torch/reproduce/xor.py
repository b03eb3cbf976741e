"""Study ``xor`` (paper Fig. 1, Tables 4-7): one :class:`TverskyProjection` (2 -> 2, K features) computes XOR.

Every (K, lr) setting is trained on the four XOR points for every seed, all side by side with ``torch.func.vmap``
(each seed is an independent model: the loss is a sum over models and Adam is elementwise); ``nn.Linear(2, 2)`` is
the baseline (XOR is not linearly separable). Convergence = 100% accuracy after training. Optionally a precision
check (the K >= 4 rates on many more seeds) and the intersection x difference reduction grid at one K.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from tversky_torch.functional import INTERSECTIONS
from tversky_torch.modules import TverskyProjection
from tversky_torch.reproduce.common import non_empty, positive_float, positive_int, seed_label

PAPER = "one layer computes XOR (Fig. 1); convergence 23-53% in many cells (Tables 4-7)"


@dataclasses.dataclass(frozen=True)
class Config:
    """The spec's XOR protocol. Seeds: the first ``n_seeds`` of the run's seeds for the grid, the baseline and the
    reduction grid; the first ``n_precision_seeds`` for the precision check, which runs only when that is more
    seeds than the grid's (0 skips it). The cpu preset's 200 run seeds are there for this check: seeds 0-199,
    which include the grid's seeds 0-19."""

    ks: tuple[int, ...] = (1, 2, 4, 8, 16)  # feature-bank sizes K
    lrs: tuple[float, ...] = (0.01, 0.1)  # Adam learning rates
    judge_lr: float = 0.1  # the lr the criteria, rows and precision check use (one of lrs)
    n_seeds: int | None = 20  # seeds per setting (a prefix of the run's seeds; None: all)
    steps: int = 1000  # full-batch Adam steps
    # precision check: the K >= 4 rates at judge_lr re-measured on this many seeds (one binomial standard error
    # at p = 0.5 is 0.11 with 20 seeds), to tell a real shortfall from a 20-seed fluctuation
    n_precision_seeds: int = 200
    reduction_grid: bool = True  # the 6 x 2 intersection x difference grid at K = grid_k
    grid_k: int = 4

    def __post_init__(self) -> None:
        non_empty("xor.ks", self.ks, positive_int)
        non_empty("xor.lrs", self.lrs, positive_float)
        if self.judge_lr not in self.lrs:
            raise ValueError(f"xor.judge_lr must be one of xor.lrs {self.lrs}, got {self.judge_lr!r}")
        positive_int("xor.n_seeds", self.n_seeds, optional=True)
        positive_int("xor.steps", self.steps)
        positive_int("xor.n_precision_seeds", self.n_precision_seeds, minimum=0)
        positive_int("xor.grid_k", self.grid_k)


def xor_dataset(
    *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` ``(4, 2)`` = {0,1}^2 and ``y`` ``(4,)`` = x0 XOR x1 (int64 class labels), the data of Fig. 1."""
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=dtype, device=device)
    y = torch.tensor([0, 1, 1, 0], dtype=torch.long, device=device)
    return x, y


def train_stacked(
    layers: Sequence[nn.Module], lrs: Sequence[float], x: torch.Tensor, y: torch.Tensor, *, steps: int
) -> tuple[list[bool], list[float]]:
    """Train independent models side by side with ``vmap``; returns (converged, final loss) per model.

    Each model gets its own learning rate. The loss is the sum of the per-model losses, so every model receives
    exactly its own gradient, and the Adam update below (PyTorch's default Adam, written out so that the learning
    rate can differ per model) is elementwise: this is the same as training the models one by one.
    """
    from torch.func import functional_call, stack_module_state, vmap

    params, buffers = stack_module_state(list(layers))
    base = copy.deepcopy(layers[0]).to("meta")
    n = len(layers)

    def one(p: dict[str, torch.Tensor], b: dict[str, torch.Tensor], inp: torch.Tensor) -> torch.Tensor:
        return functional_call(base, (p, b), (inp,))

    fwd = vmap(one, in_dims=(0, 0, None))
    plist = list(params.values())
    lr = torch.tensor(list(lrs), dtype=x.dtype, device=x.device)
    exp_avg = [torch.zeros_like(p) for p in plist]
    exp_sq = [torch.zeros_like(p) for p in plist]
    b1, b2, eps = 0.9, 0.999, 1e-8
    target = y.repeat(n)
    for step in range(1, steps + 1):
        logits = fwd(params, buffers, x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target, reduction="sum") / x.shape[0]
        grads = torch.autograd.grad(loss, plist)
        with torch.no_grad():
            for p, g, m, v in zip(plist, grads, exp_avg, exp_sq, strict=True):
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (v / (1 - b2**step)).sqrt_().add_(eps)
                p.sub_(lr.view(-1, *([1] * (p.dim() - 1))) * (m / (1 - b1**step)) / denom)
    with torch.no_grad():
        logits = fwd(params, buffers, x)
        finite = torch.isfinite(logits).all(-1).all(-1)
        correct = (logits.argmax(-1) == y).all(-1) & finite
        losses = F.cross_entropy(logits.transpose(1, 2), y.expand(n, -1), reduction="none").mean(-1)
    return correct.tolist(), losses.tolist()


def padded_projection(k: int, k_max: int, seed: int, **opts: Any) -> TverskyProjection:
    """``TverskyProjection(2, 2, k)`` initialised with ``seed``, its bank padded with zero features to ``k_max``.

    A zero feature has ``x . f = 0``, which is never a member (threshold 0): it adds nothing to any measure and
    gets zero gradient, so it stays zero under Adam: the padded layer trains exactly like the ``k``-feature one.
    This lets every K train in one vectorised run.
    """
    torch.manual_seed(seed)
    layer = TverskyProjection(2, 2, k, **opts)
    if k_max > k:
        padded = TverskyProjection(2, 2, k_max, **opts)
        with torch.no_grad():
            padded.prototype_matrix().copy_(layer.prototype_matrix())
            bank = padded.features()
            bank.zero_()
            bank[:k] = layer.features()
        layer = padded
    return layer


def xor_runs(
    settings: Sequence[tuple[int, float]], seeds: Sequence[int], steps: int, device: torch.device, **opts: Any
) -> dict[tuple[int, float], dict[str, Any]]:
    """Convergence of one Tversky layer for every (K, lr) in ``settings`` and every seed, in one vmap run."""
    x, y = xor_dataset(device=device)
    k_max = max(k for k, _ in settings)
    layers, lrs = [], []
    for k, lr in settings:
        for s in seeds:
            layers.append(padded_projection(k, k_max, s, **opts).to(device))
            lrs.append(lr)
    conv, losses = train_stacked(layers, lrs, x, y, steps=steps)
    out = {}
    for i, (k, lr) in enumerate(settings):
        c = conv[i * len(seeds) : (i + 1) * len(seeds)]
        nan = sum(not math.isfinite(v) for v in losses[i * len(seeds) : (i + 1) * len(seeds)])
        out[(k, lr)] = {"k": k, "lr": lr, "converged": c, "rate": sum(c) / len(c), "nan": nan}
    return out


def xor_linear(
    lrs: Sequence[float], seeds: Sequence[int], steps: int, device: torch.device
) -> dict[float, dict[str, Any]]:
    """Convergence of ``nn.Linear(2, 2)`` (the baseline) for every lr and seed, in one vmap run."""
    x, y = xor_dataset(device=device)
    layers, lr_list = [], []
    for lr in lrs:
        for s in seeds:
            torch.manual_seed(s)
            layers.append(nn.Linear(2, 2).to(device))
            lr_list.append(lr)
    conv, _ = train_stacked(layers, lr_list, x, y, steps=steps)
    out = {}
    for i, lr in enumerate(lrs):
        c = conv[i * len(seeds) : (i + 1) * len(seeds)]
        out[lr] = {"lr": lr, "converged": c, "rate": sum(c) / len(c)}
    return out


def run(cfg: Config, ctx: Context) -> None:
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    judge = cfg.judge_lr
    per_seed: dict[int, dict[str, Any]] = {s: {} for s in seeds}
    grid = xor_runs([(k, lr) for lr in cfg.lrs for k in cfg.ks], seeds, cfg.steps, ctx.device)
    lin = xor_linear(cfg.lrs, seeds, cfg.steps, ctx.device)
    for (k, lr), r in grid.items():
        for s, c in zip(seeds, r["converged"], strict=True):
            per_seed[s][f"K={k},lr={lr}"] = c
    for lr, r in lin.items():
        for s, c in zip(seeds, r["converged"], strict=True):
            per_seed[s][f"linear,lr={lr}"] = c
    rows = [[f"K={k}", *(grid[(k, lr)]["rate"] for lr in cfg.lrs)] for k in cfg.ks]
    rows.append(["nn.Linear(2, 2)", *(lin[lr]["rate"] for lr in cfg.lrs)])
    ctx.add_table(
        "xor_convergence", ["layer", *(f"rate at lr {lr} ({len(seeds)} seeds)" for lr in cfg.lrs)], rows
    )
    for (k, lr), v in grid.items():
        ctx.set_summary(f"K={k},lr={lr}", v["rate"])
    for lr, v in lin.items():
        ctx.set_baseline(f"linear,lr={lr}", v["rate"])
    ctx.set_paper("convergence", PAPER)
    big_ks = [k for k in cfg.ks if k >= 4]
    for k in big_ks:
        ctx.add_row(
            f"XOR, one Tversky layer K={k}, lr {judge}",
            "convergence rate",
            mean_std([float(c) for c in grid[(k, judge)]["converged"]]),
            paper=PAPER,
            baseline=mean_std([float(c) for c in lin[judge]["converged"]]),
        )
    big = [grid[(k, judge)]["rate"] for k in big_ks]
    ctx.add_criterion(
        f"XOR: convergence rate >= 0.5 for every K >= 4 (lr {judge})",
        bool(big) and min(big) >= 0.5,
        f"rates {dict((k, grid[(k, judge)]['rate']) for k in big_ks)}",
    )
    lin_conv = sum(sum(v["converged"]) for v in lin.values())
    ctx.add_criterion(
        "XOR: nn.Linear converges on no seed", lin_conv == 0, f"{lin_conv} converged runs of nn.Linear"
    )
    figure = {
        "ks": list(cfg.ks),
        "lrs": list(cfg.lrs),
        "n_seeds": len(seeds),
        "rates": {str(lr): [grid[(k, lr)]["rate"] for k in cfg.ks] for lr in cfg.lrs},
        "linear": {str(lr): lin[lr]["rate"] for lr in cfg.lrs},
    }
    prec_seeds = ctx.seeds_prefix(cfg.n_precision_seeds) if cfg.n_precision_seeds else ()
    if len(prec_seeds) > len(seeds) and big_ks:
        figure["precision"] = _precision(cfg, ctx, big_ks, prec_seeds, per_seed)
    if cfg.reduction_grid:
        _reduction_grid(cfg, ctx, seeds, per_seed)
    for s, metrics in per_seed.items():
        ctx.add_seed(s, metrics)
    ctx.set_data("convergence", figure)


def _precision(
    cfg: Config, ctx: Context, big_ks: list[int], seeds: Sequence[int], per_seed: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    """The K >= 4 rates at ``cfg.judge_lr`` on ``seeds``: table ``xor_precision``; returns the figure's data."""
    judge, n = cfg.judge_lr, len(seeds)
    prec = xor_runs([(k, judge) for k in big_ks], seeds, cfg.steps, ctx.device)
    rows = []
    for k in big_ks:
        rate = prec[(k, judge)]["rate"]
        rows.append([f"K={k}", f"{rate:.3f}", f"{math.sqrt(rate * (1 - rate) / n):.3f}"])
        ctx.set_summary(f"precision.K={k},lr={judge},n={n}", rate)
        for s, c in zip(seeds, prec[(k, judge)]["converged"], strict=True):
            per_seed.setdefault(s, {})[f"precision.K={k},lr={judge}"] = c
    ctx.add_table(
        "xor_precision",
        ["layer", f"rate at lr {judge} (seeds {seed_label(seeds)})", "binomial standard error"],
        rows,
    )
    return {"lr": judge, "n_seeds": n, "ks": big_ks, "rates": [prec[(k, judge)]["rate"] for k in big_ks]}


def _reduction_grid(
    cfg: Config, ctx: Context, seeds: Sequence[int], per_seed: dict[int, dict[str, Any]]
) -> None:
    """Convergence for every intersection x difference at K = ``cfg.grid_k``: table ``xor_reductions``."""
    k, judge = cfg.grid_k, cfg.judge_lr
    rows = []
    for inter in ctx.progress(INTERSECTIONS, desc="xor reduction grid"):
        cells = []
        for diff in ("ignorematch", "subtractmatch"):
            r = xor_runs([(k, judge)], seeds, cfg.steps, ctx.device, intersection=inter, difference=diff)[
                (k, judge)
            ]
            cells.append(f"{r['rate']:.2f}" + (f" ({r['nan']} NaN)" if r["nan"] else ""))
            for s, c in zip(seeds, r["converged"], strict=True):
                per_seed[s][f"reductions.{inter},{diff}"] = c
        rows.append([inter, *cells])
    ctx.add_table(
        "xor_reductions",
        [f"intersection (K={k}, lr {judge})", "ignorematch", "subtractmatch (per feature)"],
        rows,
    )


def draw(ctx: Context) -> None:
    """Convergence rate against K, one line per learning rate (error bars: one binomial standard error)."""
    if ctx.key("convergence") not in ctx.results.data:
        return
    data = ctx.get_data("convergence")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 3.4))
    ks, n = data["ks"], data["n_seeds"]
    for lr in data["lrs"]:
        rates = data["rates"][str(lr)]
        err = [math.sqrt(r * (1 - r) / n) for r in rates]
        ax.errorbar(ks, rates, yerr=err, marker="o", capsize=3, label=f"Tversky layer, lr {lr} ({n} seeds)")
    prec = data.get("precision")
    if prec:
        m = prec["n_seeds"]
        err = [math.sqrt(r * (1 - r) / m) for r in prec["rates"]]
        ax.errorbar(
            prec["ks"], prec["rates"], yerr=err, marker="s", ls="none", capsize=3, color="black",
            label=f"lr {prec['lr']}, {m} seeds (precision check)",
        )  # fmt: skip
    lin = max(data["linear"].values())
    ax.axhline(lin, color="gray", ls="--", label=f"nn.Linear(2, 2), every lr (rate {lin:.2f})")
    ax.axhline(0.5, color="red", ls=":", lw=1, label="criterion: 0.5 for K >= 4")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("features K")
    ax.set_ylabel("convergence rate (100% accuracy)")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.set_title("XOR in one Tversky projection layer", fontsize=9)
    ctx.save_figure(
        fig,
        "convergence",
        "XOR: fraction of seeds at 100% accuracy after training, against the feature-bank size K "
        "(error bars: one binomial standard error)",
    )
