"""What the digits studies (``digits``, ``frozen``, ``data_domain``) share: the data, the MLP backbone, the heads,
the training loop, and the training fields of their configs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from paperzoo_shared.data import digits, stratified_split
from paperzoo_shared.runner import Context
from tversky_torch.modules import DataDomainParameter, TverskyProjection
from tversky_torch.options import INITS
from tversky_torch.reproduce.common import non_empty, one_of, positive_float, positive_int

PAPER_DIGITS = "MNIST: Tversky head >= linear, interpretable prototypes (Sec. 3.1, Fig. 2)"
EMBED = 32  # width of the backbone's embedding, the heads' input


@dataclasses.dataclass(frozen=True)
class HeadTraining:
    """Training of an MLP + head on the 8x8 digits (the spec's head-swap protocol): the first ``n_seeds`` of the
    run's seeds (None: all), each its own stratified 70/30 split and initialisation; Adam, mini-batches."""

    study: ClassVar[str] = "digits"

    n_seeds: int | None = 5
    epochs: int = 30
    batch: int = 64
    lr: float = 1e-3
    features: int = 32  # K of the Tversky heads
    # whether the 32-d embedding ends in a ReLU (non-negative, like ResNet's pooled features)
    embed_relu: bool = True

    def __post_init__(self) -> None:
        s = self.study
        positive_int(f"{s}.n_seeds", self.n_seeds, optional=True)
        positive_int(f"{s}.epochs", self.epochs)
        positive_int(f"{s}.batch", self.batch)
        positive_float(f"{s}.lr", self.lr)
        positive_int(f"{s}.features", self.features)
        if not isinstance(self.embed_relu, bool):
            raise ValueError(f"{s}.embed_relu must be a bool, got {self.embed_relu!r}")


@dataclasses.dataclass(frozen=True)
class HeadInit(HeadTraining):
    """:class:`HeadTraining` for the head-swap studies (``digits``, ``frozen``), with two kinds of arms.

    Deciding arms (issue #22 review, a faithfulness correction): the backbone's 32-d embedding is signed (no final
    ReLU, ``embed_relu=False``, as in the official library's own MNIST example; the spec's "MLP 64->64->32 with
    ReLU" allows both readings), the Tversky head keeps the layer's default init ``init`` (U[0, 1)), and both
    heads get the same small budget: for every seed, each head is trained with every learning rate of
    ``lr_grid`` on the training split minus a validation split (``val_fraction`` of it, stratified by class, drawn
    with the seed; the test split is never used), the rate with the best validation accuracy is kept (the first on
    ties), and the head is retrained with it on the whole training split for the same ``epochs``.

    Reported, not deciding (the first committed run): the ReLU embedding with the fixed ``lr``, a Tversky head per
    init of ``relu_inits`` (``normal``: N(0, 1/d), chosen after the U[0, 1) run had failed; ``uniform``: the
    default init failing on non-negative inputs) and a linear head on the same ReLU backbone. ``()`` skips them.
    """

    embed_relu: bool = False
    init: str = "uniform"
    lr_grid: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
    val_fraction: float = 0.2
    relu_inits: tuple[str, ...] = ("normal", "uniform")

    def __post_init__(self) -> None:
        super().__post_init__()
        s = self.study
        one_of(f"{s}.init", self.init, INITS)
        non_empty(f"{s}.lr_grid", self.lr_grid, positive_float)
        if (
            isinstance(self.val_fraction, bool)
            or not isinstance(self.val_fraction, float)
            or not 0.0 < self.val_fraction < 1.0
        ):
            raise ValueError(f"{s}.val_fraction must be a float in (0, 1), got {self.val_fraction!r}")
        if not isinstance(self.relu_inits, tuple):
            raise ValueError(f"{s}.relu_inits must be a tuple, got {self.relu_inits!r}")
        for i, init in enumerate(self.relu_inits):
            one_of(f"{s}.relu_inits[{i}]", init, INITS)


Data = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def digits_split(seed: int, device: torch.device) -> Data:
    """The 8x8 digits split 70/30 stratified by class with ``seed`` (paperzoo's per-class splitter, which the
    committed results used): ``x_train, y_train, x_test, y_test`` on ``device``."""
    xtr, ytr, xte, yte = digits(test_size=0.3, seed=seed, splitter="per-class")
    return xtr.to(device), ytr.to(device), xte.to(device), yte.to(device)


def backbone(embed_relu: bool = True) -> nn.Module:
    """MLP 64 -> 64 -> 32 with ReLUs; ``embed_relu`` puts a ReLU on the 32-d embedding too (non-negative
    embeddings, like the pooled features of the paper's ResNet-50)."""
    layers: list[nn.Module] = [nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, EMBED)]
    if embed_relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def validation_split(data: Data, cfg: HeadInit, seed: int) -> Data:
    """The training split of ``data`` split again, stratified by class with ``seed``: ``x_sub, y_sub, x_val,
    y_val`` (``cfg.val_fraction`` of it for validation). The test split of ``data`` is not touched."""
    xtr, ytr, _, _ = data
    xs, xv, ys, yv = stratified_split(xtr, ytr, test_size=cfg.val_fraction, seed=seed)
    return xs, ys, xv, yv


def tversky_head(cfg: HeadInit, init: str | None = None) -> TverskyProjection:
    """The Tversky head of the digits studies: ``TverskyProjection(32, 10, K)``, product / ignorematch, its
    prototypes and features initialised with ``init`` (default ``cfg.init``, the layer's default U[0, 1)).

    On a signed embedding the projections take both signs, so not every set holds every feature. On a
    non-negative (ReLU) embedding they do not: every dot product is positive, every set holds every feature, both difference terms vanish and the head is a plain
    bilinear map whose initial logits are in the hundreds (softmax saturated); N(0, 1/d) (``"normal"``) is the
    documented option for non-negative inputs. The reported ReLU rows show both.
    """
    return TverskyProjection(EMBED, 10, cfg.features, init=init or cfg.init)


class DataDomainLinear(nn.Module):
    """The paper's data-domain linear baseline: ``W = g(P_img)``, logits ``x W^T``."""

    def __init__(self, weights: DataDomainParameter) -> None:
        super().__init__()
        self.weights = weights

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h @ self.weights().T


def fit(
    model: nn.Module, params: Any, data: Data, cfg: HeadTraining, seed: int, lr: float | None = None
) -> float:
    """Train ``params`` of ``model`` with Adam at ``lr`` (default ``cfg.lr``; batches shuffled with ``seed``) on the
    first two tensors of ``data``; returns the accuracy in % on the last two."""
    xtr, ytr, xte, yte = data
    opt = torch.optim.Adam(params, lr=cfg.lr if lr is None else lr)
    g = torch.Generator().manual_seed(seed)
    n = xtr.shape[0]
    for _ in range(cfg.epochs):
        model.train()
        for idx in torch.randperm(n, generator=g).split(cfg.batch):
            idx = idx.to(xtr.device)
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return float((model(xte).argmax(-1) == yte).float().mean()) * 100


def select_lr(cfg: HeadInit, train_at: Callable[[float], float]) -> tuple[float, dict[float, float]]:
    """The rate of ``cfg.lr_grid`` with the best validation accuracy ``train_at(lr)`` (the first on ties), and
    every rate's validation accuracy."""
    val = {lr: train_at(lr) for lr in cfg.lr_grid}
    best = max(cfg.lr_grid, key=lambda lr: (val[lr], -cfg.lr_grid.index(lr)))
    return best, val


#: names of the arms in per-seed values and summaries: the deciding pair, then the first run's ReLU arms
DECIDING = ("linear", "tversky")


def relu_arms(cfg: HeadInit) -> list[str]:
    """The reported (not deciding) arms of the first run: ``relu_linear`` and one ``relu_tversky_<init>`` per init."""
    return ["relu_linear", *(f"relu_tversky_{init}" for init in cfg.relu_inits)] if cfg.relu_inits else []


def lr_table(ctx: Context, cfg: HeadInit, chosen: dict[int, dict[str, float]], setting: str) -> None:
    """Table ``lr_choice``: for each deciding head, how often each rate of the grid was chosen on validation."""
    rows = []
    for arm in DECIDING:
        counts = [sum(1 for c in chosen.values() if c[arm] == lr) for lr in cfg.lr_grid]
        rows.append([f"{arm} head", *counts])
    ctx.add_table(
        f"{cfg.study}_lr_choice",
        [f"{setting}: seeds choosing each lr", *(f"lr {lr:g}" for lr in cfg.lr_grid)],
        rows,
    )


def report_heads(
    ctx: Context,
    cfg: HeadInit,
    summ: dict[str, Any],
    *,
    setting: str,
    paper: str,
    criterion: str,
    margin: float,
) -> None:
    """The summary of every arm; the README rows of the deciding Tversky head and of the first run's ReLU arms,
    each against the linear head on the same backbone; the criterion ``Tversky >= linear - margin`` on the
    deciding arms."""
    for name, value in summ.items():
        ctx.set_summary(name, value)
    grid = "/".join(f"{lr:g}" for lr in cfg.lr_grid)
    ctx.add_row(
        f"{setting}, signed embedding, head init {cfg.init} (default), lr from {{{grid}}} on validation "
        "(deciding, issue #22 review)",
        "test accuracy %",
        summ["tversky"],
        paper=paper,
        baseline=summ["linear"],
    )
    labels = {
        "normal": "first run, not deciding: ReLU embedding, head init normal N(0, 1/d) (chosen after the uniform "
        "run failed)",
        "uniform": "not deciding: ReLU embedding, head init uniform (default): the default init fails on "
        "non-negative inputs",
    }
    for init in cfg.relu_inits:
        text = labels.get(init, f"not deciding: ReLU embedding, head init {init}")
        ctx.add_row(
            f"{setting}, {text}, lr {cfg.lr:g}",
            "test accuracy %",
            summ[f"relu_tversky_{init}"],
            paper=paper,
            baseline=summ["relu_linear"],
        )
    ctx.set_baseline("linear", summ["linear"])
    m_t, m_l = summ["tversky"]["mean"], summ["linear"]["mean"]
    ctx.add_criterion(criterion, m_t >= m_l - margin, f"Tversky {m_t:.2f} vs linear {m_l:.2f}")
