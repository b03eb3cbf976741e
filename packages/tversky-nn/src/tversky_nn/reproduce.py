"""``tversky-nn-reproduce``: the paper's claims at small scale (presets quick | cpu | full).

Three studies, all offline:

1. **XOR** (paper Fig. 1, Tables 4-7): a single :class:`TverskyProjection` (2 -> 2, K features) trained on the
   four XOR points, 20 seeds per setting, trained side by side with ``torch.func.vmap`` (each seed is an
   independent model: the loss is a sum over seeds and Adam is elementwise); ``nn.Linear`` as the baseline
   (it cannot separate XOR). Convergence = 100% accuracy after training. Plus the intersection x difference
   reduction grid at one K.
2. **Digits head swap** (the paper's MNIST / NABirds settings at toy scale): scikit-learn's 8x8 digits, an MLP
   backbone with a linear vs a Tversky head, trained end to end and as a frozen-backbone adapter; plus the
   data-domain prototypes (Sec. 2.5) drawn as images.
3. **Language model** (paper Sec. 3.2, Table 1): a small GPT-2 from ``GPT2Config`` (random init) on a word-level
   corpus of Python's own docstrings; linear head vs Tversky head vs Tversky-all; validation perplexity and
   exact parameter counts.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from paperzoo_shared import ResultsFile, mean_std, progress, seed_everything
from paperzoo_shared.cli import reproduce_cli
from tversky_nn import __version__
from tversky_nn.data.xor import xor_dataset
from tversky_nn.functional import INTERSECTIONS
from tversky_nn.modules import DataDomainParameter, TverskyProjection, count_parameters

PAPER_XOR = "one layer computes XOR (Fig. 1); convergence 23-53% in many cells (Tables 4-7)"
PAPER_DIGITS = "MNIST: Tversky head >= linear, interpretable prototypes (Sec. 3.1, Fig. 2)"
PAPER_FROZEN = "NABirds, frozen ResNet-50 adapter: +24.7% relative accuracy (v1 abstract)"
PAPER_PPL = "GPT-2 small on PTB: perplexity -7.5% (v1 abstract), -7.8% (ICLR)"
PAPER_PARAMS = "GPT-2 small on PTB: parameters -34.8% (abstract, Table 1)"


@dataclasses.dataclass
class Config:
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    # XOR
    xor_ks: tuple[int, ...] = (1, 2, 4, 8, 16)
    xor_lrs: tuple[float, ...] = (0.01, 0.1)
    xor_judge_lr: float = 0.1
    xor_seeds: int = 20
    xor_steps: int = 1000
    xor_grid_k: int = 4
    xor_grid: bool = True
    # seeds of the precision check: the K >= 4 rates at the judged lr re-measured on this many seeds (0: skip),
    # to tell a real shortfall from a 20-seed fluctuation (one binomial standard error at p = 0.5 is 0.11)
    xor_precision_seeds: int = 200
    # digits head swap
    digits: bool = True
    digits_epochs: int = 30
    digits_features: int = 32
    digits_batch: int = 64
    digits_lr: float = 1e-3
    digits_data_domain: bool = True
    # init of the Tversky heads' prototypes and features (the paper does not state it for these settings; see
    # _tversky_head); "uniform" (U[0, 1), official default) is also run as an ablation when digits_init_ablation
    digits_init: str = "normal"
    digits_init_ablation: str | None = "uniform"
    # seeds of the frozen-backbone precision check: linear vs Tversky adapter heads on this many seeds (0: skip),
    # since five seeds cannot resolve a difference well below one point
    digits_frozen_precision_seeds: int = 20
    # whether the 32-d embedding ends in a ReLU (like ResNet's pooled features), for the head swap and for the
    # data-domain study (there it must not: see run_data_domain)
    digits_embed_relu: bool = True
    data_domain_embed_relu: bool = False
    prototype_png: str | None = None
    # language model
    lm: bool = True
    lm_seeds: int = 3
    lm_vocab: int = 10001
    lm_n_embd: int = 128
    lm_n_layer: int = 2
    lm_n_head: int = 4
    lm_seq: int = 128
    lm_batch: int = 16
    lm_steps: int = 600
    lm_lr: float = 1e-3
    lm_features: int = 256
    # feature-bank init (prototypes are tied to wte); the paper does not state it. N(0, 1/d) by default: with
    # U[0, 1) every token's prototype projects with one sign onto all features, so the ignorematch term adds a
    # gradient-free offset of order 10 to each token's logit (initial loss ~5x ln V). The ablation arm runs
    # lm_init_ablation (U[0, 1)) for lm_ablation_seeds seeds.
    lm_feature_init: str = "normal"
    lm_init_ablation: str | None = "uniform"
    lm_ablation_seeds: int = 1
    lm_all_targets: tuple[str, ...] = ("attn.c_proj",)
    lm_eval_tokens: int = 32768
    lm_max_documents: int | None = None
    # CPU threads for torch (None: leave torch's default); one thread is fastest for these small models and
    # keeps runs reproducible on a shared machine
    threads: int | None = 1


PRESETS = {
    "quick": Config(
        seeds=(0, 1),
        xor_ks=(4,),
        xor_lrs=(0.1,),
        xor_seeds=8,
        xor_steps=300,
        xor_grid=False,
        xor_precision_seeds=0,
        digits_epochs=4,
        digits_data_domain=False,
        digits_frozen_precision_seeds=0,
        lm_seeds=1,
        lm_vocab=2001,
        lm_n_embd=32,
        lm_n_layer=1,
        lm_n_head=2,
        lm_seq=32,
        lm_batch=8,
        lm_steps=20,
        lm_features=32,
        lm_eval_tokens=2048,
        lm_max_documents=60,
        lm_init_ablation=None,
    ),
    "cpu": Config(
        prototype_png="prototypes.png",
        lm_vocab=4001,
        lm_seq=64,
        lm_batch=8,
        lm_steps=250,
        lm_features=64,
        lm_eval_tokens=16384,
    ),
    "full": Config(
        xor_ks=(1, 2, 4, 8, 16, 32),
        xor_steps=1000,
        digits_epochs=60,
        lm_vocab=10001,
        lm_n_embd=768,
        lm_n_layer=12,
        lm_n_head=12,
        lm_seq=512,
        lm_batch=16,
        lm_steps=20000,
        lm_lr=3e-4,
        lm_features=1024,
        lm_all_targets=("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"),
        lm_eval_tokens=10**9,
        prototype_png="prototypes_full.png",
        lm_init_ablation=None,
        threads=None,
    ),
}


# ------------------------------------------------------------------------------------------------ XOR


def _train_stacked(
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


def _padded_projection(k: int, k_max: int, seed: int, **opts: Any) -> TverskyProjection:
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
            layers.append(_padded_projection(k, k_max, s, **opts).to(device))
            lrs.append(lr)
    conv, losses = _train_stacked(layers, lrs, x, y, steps=steps)
    out = {}
    for i, (k, lr) in enumerate(settings):
        c = conv[i * len(seeds) : (i + 1) * len(seeds)]
        nan = sum(not math.isfinite(v) for v in losses[i * len(seeds) : (i + 1) * len(seeds)])
        out[(k, lr)] = {"k": k, "lr": lr, "converged": c, "rate": sum(c) / len(c), "nan": nan}
    return out


def xor_linear(
    lrs: Sequence[float], seeds: Sequence[int], steps: int, device: torch.device
) -> dict[float, dict[str, Any]]:
    x, y = xor_dataset(device=device)
    layers, lr_list = [], []
    for lr in lrs:
        for s in seeds:
            torch.manual_seed(s)
            layers.append(nn.Linear(2, 2).to(device))
            lr_list.append(lr)
    conv, _ = _train_stacked(layers, lr_list, x, y, steps=steps)
    out = {}
    for i, lr in enumerate(lrs):
        c = conv[i * len(seeds) : (i + 1) * len(seeds)]
        out[lr] = {"lr": lr, "converged": c, "rate": sum(c) / len(c)}
    return out


def run_xor(cfg: Config, res: ResultsFile, device: torch.device) -> None:
    seeds = list(range(cfg.xor_seeds))
    grid = xor_runs([(k, lr) for lr in cfg.xor_lrs for k in cfg.xor_ks], seeds, cfg.xor_steps, device)
    lin = xor_linear(cfg.xor_lrs, seeds, cfg.xor_steps, device)
    judge = cfg.xor_judge_lr if cfg.xor_judge_lr in cfg.xor_lrs else cfg.xor_lrs[-1]
    rows = [[f"K={k}", *(grid[(k, lr)]["rate"] for lr in cfg.xor_lrs)] for k in cfg.xor_ks]
    rows.append(["nn.Linear(2, 2)", *(lin[lr]["rate"] for lr in cfg.xor_lrs)])
    res.add_table(
        "xor_convergence", ["layer", *(f"rate at lr {lr} ({len(seeds)} seeds)" for lr in cfg.xor_lrs)], rows
    )
    res.summary["xor"] = {f"K={k},lr={lr}": v["rate"] for (k, lr), v in grid.items()}
    res.baseline["xor_linear"] = {str(lr): v["rate"] for lr, v in lin.items()}
    for k in cfg.xor_ks:
        if k >= 4:
            res.add_row(
                f"XOR, one Tversky layer K={k}, lr {judge}",
                "convergence rate",
                mean_std([float(c) for c in grid[(k, judge)]["converged"]]),
                paper=PAPER_XOR,
                baseline=mean_std([float(c) for c in lin[judge]["converged"]]),
            )
    big = [grid[(k, judge)]["rate"] for k in cfg.xor_ks if k >= 4]
    res.add_criterion(
        f"XOR: convergence rate >= 0.5 for every K >= 4 (lr {judge})",
        bool(big) and min(big) >= 0.5,
        f"rates {dict((k, grid[(k, judge)]['rate']) for k in cfg.xor_ks if k >= 4)}",
    )
    lin_conv = sum(sum(v["converged"]) for v in lin.values())
    res.add_criterion(
        "XOR: nn.Linear converges on no seed", lin_conv == 0, f"{lin_conv} converged runs of nn.Linear"
    )
    if cfg.xor_precision_seeds > len(seeds):
        n = cfg.xor_precision_seeds
        big_ks = [k for k in cfg.xor_ks if k >= 4]
        prec = xor_runs([(k, judge) for k in big_ks], list(range(n)), cfg.xor_steps, device)
        prec_rows = []
        for k in big_ks:
            rate = prec[(k, judge)]["rate"]
            prec_rows.append([f"K={k}", f"{rate:.3f}", f"{math.sqrt(rate * (1 - rate) / n):.3f}"])
        res.add_table(
            "xor_precision",
            ["layer", f"rate at lr {judge} (seeds 0-{n - 1})", "binomial standard error"],
            prec_rows,
        )
        res.summary["xor_precision"] = {f"K={k},lr={judge},n={n}": prec[(k, judge)]["rate"] for k in big_ks}
    if cfg.xor_grid:
        k = cfg.xor_grid_k
        red_rows = []
        for inter in progress(INTERSECTIONS, desc="reduction grid"):
            cells = []
            for diff in ("ignorematch", "subtractmatch"):
                r = xor_runs([(k, judge)], seeds, cfg.xor_steps, device, intersection=inter, difference=diff)[
                    (k, judge)
                ]
                cells.append(f"{r['rate']:.2f}" + (f" ({r['nan']} NaN)" if r["nan"] else ""))
            red_rows.append([inter, *cells])
        res.add_table(
            "xor_reductions",
            [f"intersection (K={k}, lr {judge})", "ignorematch", "subtractmatch (per feature)"],
            red_rows,
        )


# --------------------------------------------------------------------------------------------- digits


def _digits_data(seed: int, device: torch.device) -> tuple[torch.Tensor, ...]:
    from paperzoo_shared.data import load_sklearn, stratified_split

    x, y = load_sklearn("digits")
    x = x / 16.0
    xtr, xte, ytr, yte = stratified_split(x, y, test_size=0.3, seed=seed)
    return xtr.to(device), xte.to(device), ytr.to(device), yte.to(device)


def _backbone(embed_relu: bool = True) -> nn.Module:
    """MLP 64 -> 64 -> 32 with ReLUs; ``embed_relu`` puts a ReLU on the 32-d embedding too (non-negative
    embeddings, like the pooled features of the paper's ResNet-50)."""
    layers: list[nn.Module] = [nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32)]
    if embed_relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class _DataDomainLinear(nn.Module):
    """The paper's data-domain linear baseline: ``W = g(P_img)``, logits ``x W^T``."""

    def __init__(self, weights: DataDomainParameter) -> None:
        super().__init__()
        self.weights = weights

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h @ self.weights().T


def _fit(model: nn.Module, params: Any, data: tuple[torch.Tensor, ...], cfg: Config, seed: int) -> float:
    xtr, xte, ytr, yte = data
    opt = torch.optim.Adam(params, lr=cfg.digits_lr)
    g = torch.Generator().manual_seed(seed)
    n = xtr.shape[0]
    for _ in range(cfg.digits_epochs):
        model.train()
        for idx in torch.randperm(n, generator=g).split(cfg.digits_batch):
            idx = idx.to(xtr.device)
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return float((model(xte).argmax(-1) == yte).float().mean()) * 100


def _tversky_head(cfg: Config, init: str | None = None) -> TverskyProjection:
    """The Tversky head of the digits study: ``TverskyProjection(32, 10, K)``, product / ignorematch.

    Its prototypes and features are initialised with ``cfg.digits_init``, N(0, 1/d) by default: the official
    default U[0, 1) makes every prototype and feature non-negative, so on the non-negative (ReLU) embeddings every
    dot product is positive, every set holds every feature, both difference terms vanish and the head is a plain
    bilinear map whose initial logits are in the hundreds (softmax saturated); the ablation rows show the effect.
    """
    return TverskyProjection(32, 10, cfg.digits_features, init=init or cfg.digits_init)


def _frozen_heads(
    cfg: Config, backbone: nn.Module, data: Any, seed: int, names: Sequence[str], device: torch.device
) -> list[tuple[str, float]]:
    """Test accuracy of new heads (``frozen_linear`` / ``frozen_tversky`` / ``frozen_tversky_ablation``) trained
    on ``backbone``, frozen."""
    backbone.requires_grad_(False)
    out = []
    for name in names:
        seed_everything(seed + 1000)
        init = cfg.digits_init_ablation if name == "frozen_tversky_ablation" else None
        head: nn.Module = nn.Linear(32, 10) if name == "frozen_linear" else _tversky_head(cfg, init)
        model = nn.Sequential(backbone, head).to(device)
        out.append((name, _fit(model, head.parameters(), data, cfg, seed)))
    return out


def run_frozen_precision(cfg: Config, res: ResultsFile, device: torch.device) -> None:
    """The frozen-backbone comparison on ``cfg.digits_frozen_precision_seeds`` seeds: paired by seed (same split,
    same frozen backbone), so the per-seed difference Tversky - linear has a much smaller spread than either."""
    n = cfg.digits_frozen_precision_seeds
    acc: dict[str, list[float]] = {"frozen_linear": [], "frozen_tversky": []}
    for seed in progress(range(n), desc="frozen precision"):
        data = _digits_data(seed, device)
        seed_everything(seed)
        lin = nn.Sequential(_backbone(cfg.digits_embed_relu), nn.Linear(32, 10)).to(device)
        _fit(lin, lin.parameters(), data, cfg, seed)
        for name, a in _frozen_heads(cfg, lin[0], data, seed, list(acc), device):
            acc[name].append(a)
    diff = [a - b for a, b in zip(acc["frozen_tversky"], acc["frozen_linear"], strict=True)]
    d = mean_std(diff)
    wins = sum(x > 0 for x in diff)
    res.summary["digits_frozen_precision"] = {
        "seeds": n,
        **{k: mean_std(v) for k, v in acc.items()},
        "difference": d,
        "tversky_wins": wins,
    }
    res.add_table(
        "frozen_precision",
        [f"frozen backbone, seeds 0-{n - 1}", "test accuracy %", "standard error"],
        [
            [
                "linear head",
                mean_std(acc["frozen_linear"]),
                f"{mean_std(acc['frozen_linear'])['std'] / math.sqrt(n):.2f}",
            ],
            [
                "Tversky head",
                mean_std(acc["frozen_tversky"]),
                f"{mean_std(acc['frozen_tversky'])['std'] / math.sqrt(n):.2f}",
            ],
            [
                f"Tversky - linear, paired by seed (Tversky ahead on {wins} of {n})",
                d,
                f"{d['std'] / math.sqrt(n):.2f}",
            ],
        ],
    )


def run_digits(cfg: Config, res: ResultsFile, seeds: Sequence[int], device: torch.device) -> None:
    arms = ["linear", "tversky", "frozen_linear", "frozen_tversky"]
    ablation = cfg.digits_init_ablation
    if ablation is not None:
        arms += ["tversky_ablation", "frozen_tversky_ablation"]
    acc: dict[str, list[float]] = {a: [] for a in arms}
    for seed in progress(seeds, desc="digits"):
        data = _digits_data(seed, device)
        seed_everything(seed)
        lin = nn.Sequential(_backbone(cfg.digits_embed_relu), nn.Linear(32, 10)).to(device)
        acc["linear"].append(_fit(lin, lin.parameters(), data, cfg, seed))
        for name, init in (("tversky", None), ("tversky_ablation", ablation)):
            if name in acc:
                seed_everything(seed)
                tv = nn.Sequential(_backbone(cfg.digits_embed_relu), _tversky_head(cfg, init)).to(device)
                acc[name].append(_fit(tv, tv.parameters(), data, cfg, seed))
        # frozen backbone (the adapter setting): the backbone trained with the linear head, then frozen
        for name, a in _frozen_heads(
            cfg, lin[0], data, seed, [n for n in acc if n.startswith("frozen")], device
        ):
            acc[name].append(a)
        res.per_seed.append({"seed": seed, "study": "digits", "metrics": {k: v[-1] for k, v in acc.items()}})
    summ = {k: mean_std(v) for k, v in acc.items()}
    res.summary["digits"] = summ
    res.baseline["digits_linear"] = summ["linear"]
    res.add_row(
        f"digits 8x8, MLP + head, end to end (head init {cfg.digits_init})",
        "test accuracy %",
        summ["tversky"],
        paper=PAPER_DIGITS,
        baseline=summ["linear"],
    )
    res.add_row(
        f"digits 8x8, frozen backbone + new head (head init {cfg.digits_init})",
        "test accuracy %",
        summ["frozen_tversky"],
        paper=PAPER_FROZEN,
        baseline=summ["frozen_linear"],
    )
    if ablation is not None:
        res.add_row(
            f"ablation: digits end to end, head init {ablation}",
            "test accuracy %",
            summ["tversky_ablation"],
            paper=PAPER_DIGITS,
            baseline=summ["linear"],
        )
        res.add_row(
            f"ablation: digits frozen backbone, head init {ablation}",
            "test accuracy %",
            summ["frozen_tversky_ablation"],
            paper=PAPER_FROZEN,
            baseline=summ["frozen_linear"],
        )
    m_t, m_l = summ["tversky"]["mean"], summ["linear"]["mean"]
    res.add_criterion(
        "digits end to end: Tversky >= linear - 1.0 pt",
        m_t >= m_l - 1.0,
        f"Tversky {m_t:.2f} vs linear {m_l:.2f}",
    )
    f_t, f_l = summ["frozen_tversky"]["mean"], summ["frozen_linear"]["mean"]
    res.add_criterion(
        "digits frozen backbone: Tversky >= linear", f_t >= f_l, f"Tversky {f_t:.2f} vs linear {f_l:.2f}"
    )
    if cfg.digits_frozen_precision_seeds > len(seeds):
        run_frozen_precision(cfg, res, device)
    if cfg.digits_data_domain:
        run_data_domain(cfg, res, seeds, device)


def run_data_domain(cfg: Config, res: ResultsFile, seeds: Sequence[int], device: torch.device) -> None:
    """Sec. 2.5: prototypes and features as 8x8 images mapped through the same backbone as the inputs.

    The encoder's embedding has no final ReLU here (``cfg.data_domain_embed_relu``): prototypes and features are
    outputs of the same encoder as the inputs, and if all three were non-negative every dot product would be
    positive, so every set would hold every feature whatever the data-domain tensors are.
    """
    acc: dict[str, list[float]] = {"dd_tversky": [], "dd_linear": []}
    keep: TverskyProjection | None = None
    for seed in progress(seeds, desc="data-domain"):
        data = _digits_data(seed, device)
        seed_everything(seed)
        enc = _backbone(cfg.data_domain_embed_relu)
        head = TverskyProjection(
            32,
            10,
            cfg.digits_features,
            prototypes=DataDomainParameter(enc, (64,), 10),
            feature_bank=DataDomainParameter(enc, (64,), cfg.digits_features),
        )
        model = nn.Sequential(enc, head).to(device)
        acc["dd_tversky"].append(_fit(model, model.parameters(), data, cfg, seed))
        keep = keep or head
        seed_everything(seed)
        enc = _backbone(cfg.data_domain_embed_relu)
        lin_model = nn.Sequential(enc, _DataDomainLinear(DataDomainParameter(enc, (64,), 10))).to(device)
        acc["dd_linear"].append(_fit(lin_model, lin_model.parameters(), data, cfg, seed))
    summ = {k: mean_std(v) for k, v in acc.items()}
    res.summary["digits_data_domain"] = summ
    res.add_row(
        "digits 8x8, data-domain prototypes (Sec. 2.5), embedding without final ReLU",
        "test accuracy %",
        summ["dd_tversky"],
        paper=PAPER_DIGITS,
        baseline=summ["dd_linear"],
    )
    if cfg.prototype_png and keep is not None:
        try:
            from tversky_nn.viz import plot_prototypes

            assert isinstance(keep.prototypes, DataDomainParameter) and isinstance(
                keep.feature_bank, DataDomainParameter
            )
            path = _output_path(cfg.prototype_png)
            plot_prototypes(
                keep.prototypes,
                keep.feature_bank,
                shape=(8, 8),
                titles=[str(i) for i in range(10)],
                path=path,
            )
            res.notes.append(
                f"data-domain prototypes and features of seed {seeds[0]} drawn in {Path(path).name}"
            )
        except ImportError:
            res.notes.append("matplotlib missing: prototype PNG not drawn")


def _output_path(name: str) -> Path:
    """Relative paths go to the package's results/ folder in a source checkout, else to the current folder."""
    p = Path(name)
    if p.is_absolute():
        return p
    results = Path(__file__).resolve().parents[2] / "results"
    return results / p.name if results.is_dir() else p


# ----------------------------------------------------------------------------------------- language model


def _lm_data(cfg: Config) -> dict[str, Any]:
    from tversky_nn.data.text import WordTokenizer, build_stdlib_corpus, split_documents

    docs, digest = build_stdlib_corpus(cfg.lm_max_documents)
    train, valid, _test = split_documents(docs, (0.9, 0.05, 0.05), seed=0)
    tok = WordTokenizer(cfg.lm_vocab).fit(train)
    return {
        "train": tok.encode(train),
        "valid": tok.encode(valid),
        "sha256": digest,
        "documents": len(docs),
        "chars": sum(map(len, docs)),
    }


def _gpt2_config(cfg: Config) -> Any:
    from transformers import GPT2Config

    return GPT2Config(
        vocab_size=cfg.lm_vocab,
        n_positions=cfg.lm_seq,
        n_embd=cfg.lm_n_embd,
        n_layer=cfg.lm_n_layer,
        n_head=cfg.lm_n_head,
        resid_pdrop=0.1,
        embd_pdrop=0.1,
        attn_pdrop=0.1,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=1,
    )


def build_lm(cfg: Config, arm: str) -> nn.Module:
    """``arm``: ``linear | head | all``, or ``head_ablation`` (the Tversky head with ``cfg.lm_init_ablation``)."""
    from tversky_nn.hf import tversky_gpt2

    init = cfg.lm_feature_init
    if arm == "head_ablation":
        arm, init = "head", cfg.lm_init_ablation or init
    return tversky_gpt2(
        _gpt2_config(cfg),
        mode=arm,
        num_features=cfg.lm_features,
        tie_prototypes=True,
        targets=cfg.lm_all_targets,
        feature_init=init,
    )


@torch.no_grad()
def _perplexity(model: nn.Module, stream: torch.Tensor, cfg: Config, device: torch.device) -> float:
    model.eval()
    n = min(stream.numel() - 1, cfg.lm_eval_tokens) // cfg.lm_seq * cfg.lm_seq
    windows = stream[: n + 1]
    xs = windows[:n].view(-1, cfg.lm_seq)
    ys = windows[1 : n + 1].view(-1, cfg.lm_seq)
    total, count = 0.0, 0
    for xb, yb in zip(xs.split(cfg.lm_batch), ys.split(cfg.lm_batch), strict=True):
        logits = model(input_ids=xb.to(device)).logits
        total += float(
            F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).float(), yb.to(device).reshape(-1), reduction="sum"
            )
        )
        count += yb.numel()
    return math.exp(total / count)


def train_lm(
    cfg: Config, arm: str, seed: int, data: dict[str, Any], device: torch.device
) -> dict[str, float]:
    seed_everything(seed)
    model = build_lm(cfg, arm).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lm_lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, cfg.lm_steps) / cfg.lm_steps))
    )
    train = data["train"]
    g = torch.Generator().manual_seed(seed)
    model.train()
    last = float("nan")
    for _ in progress(range(cfg.lm_steps), desc=f"LM {arm} seed {seed}"):
        starts = torch.randint(0, train.numel() - cfg.lm_seq - 1, (cfg.lm_batch,), generator=g)
        xb = torch.stack([train[s : s + cfg.lm_seq] for s in starts.tolist()]).to(device)
        logits = model(input_ids=xb).logits[:, :-1]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), xb[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        last = float(loss.detach())
    return {
        "val_ppl": _perplexity(model, data["valid"], cfg, device),
        "train_loss": last,
        "params": count_parameters(model),
    }


def run_lm(cfg: Config, res: ResultsFile, seeds: Sequence[int], device: torch.device) -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    data = _lm_data(cfg)
    res.notes.append(
        f"LM corpus: {data['documents']} documents, {data['chars']} chars from the docstrings of Python "
        f"{sys.version.split()[0]}'s stdlib + pydoc topics; sha256 {data['sha256']}; "
        f"{data['train'].numel()} train / {data['valid'].numel()} valid tokens"
    )
    res.summary["lm_corpus"] = {
        "sha256": data["sha256"],
        "python": sys.version,
        "documents": data["documents"],
        "chars": data["chars"],
    }
    arms: tuple[str, ...] = ("linear", "head", "all")
    out: dict[str, list[dict[str, float]]] = {a: [] for a in arms}
    runs = [(seed, arm) for seed in seeds[: cfg.lm_seeds] for arm in arms]
    if cfg.lm_init_ablation is not None and cfg.lm_ablation_seeds > 0:
        arms = (*arms, "head_ablation")
        out["head_ablation"] = []
        runs += [(seed, "head_ablation") for seed in seeds[: cfg.lm_ablation_seeds]]
    for seed, arm in runs:
        r = train_lm(cfg, arm, seed, data, device)
        out[arm].append(r)
        res.per_seed.append({"seed": seed, "study": f"lm_{arm}", "metrics": r})
    ppl = {a: mean_std([r["val_ppl"] for r in out[a]]) for a in arms}
    params = {a: int(out[a][0]["params"]) for a in arms}
    res.summary["lm"] = {"val_ppl": ppl, "params": params}
    res.baseline["lm_linear"] = {"val_ppl": ppl["linear"], "params": params["linear"]}
    names = {
        "linear": "linear head (tied)",
        "head": f"Tversky head (tied prototypes, features init {cfg.lm_feature_init})",
        "all": f"Tversky-all ({', '.join(cfg.lm_all_targets)} + head, init {cfg.lm_feature_init})",
        "head_ablation": f"ablation: Tversky head, features init {cfg.lm_init_ablation}",
    }
    rows = []
    for a in arms:
        rows.append([
            names[a],
            f"{params[a]:,}",
            f"{100 * (params[a] / params['linear'] - 1):+.2f}%",
            ppl[a],
            f"{100 * (ppl[a]['mean'] / ppl['linear']['mean'] - 1):+.2f}%",
        ])  # fmt: skip
    res.add_table(
        "lm", ["arm", "parameters", "params vs linear", "valid perplexity", "perplexity vs linear"], rows
    )
    setting = f"GPT-2 {cfg.lm_n_layer}x{cfg.lm_n_embd}, {cfg.lm_steps} steps, stdlib-docstring corpus"
    res.add_row(
        f"{setting}, Tversky head (features init {cfg.lm_feature_init})",
        "valid perplexity",
        ppl["head"],
        paper=PAPER_PPL,
        baseline=ppl["linear"],
    )
    res.add_row(
        f"{setting}, Tversky-all", "valid perplexity", ppl["all"], paper=PAPER_PPL, baseline=ppl["linear"]
    )
    if "head_ablation" in ppl:
        res.add_row(
            f"ablation: {setting}, Tversky head, features init {cfg.lm_init_ablation}",
            "valid perplexity",
            ppl["head_ablation"],
            paper=PAPER_PPL,
            baseline=ppl["linear"],
        )
    res.add_row(
        f"{setting}, Tversky head",
        "parameters",
        f"{params['head']:,}",
        paper=PAPER_PARAMS,
        baseline=f"{params['linear']:,}",
    )
    ok = ppl["head"]["mean"] <= 1.02 * ppl["linear"]["mean"]
    res.add_criterion(
        "LM: Tversky-head perplexity <= 1.02 x linear",
        ok,
        f"Tversky head {ppl['head']['mean']:.2f} vs linear {ppl['linear']['mean']:.2f}",
    )


# ----------------------------------------------------------------------------------------------- main


def run(config: Config, *, seeds: Sequence[int], device: torch.device) -> ResultsFile:
    res = ResultsFile(package="tversky-nn", version=__version__, preset="", config={}, seeds=list(seeds))
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    res.paper = {
        "xor": PAPER_XOR,
        "digits": PAPER_DIGITS,
        "frozen": PAPER_FROZEN,
        "perplexity": PAPER_PPL,
        "parameters": PAPER_PARAMS,
    }
    run_xor(config, res, device)
    if config.digits:
        run_digits(config, res, seeds, device)
    if config.lm:
        run_lm(config, res, seeds, device)
    return res


def main(argv: Sequence[str] | None = None) -> int:
    reproduce_cli(
        PRESETS,
        run,
        prog="tversky-nn-reproduce",
        argv=argv,
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
