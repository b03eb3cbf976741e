"""What the digits studies (``digits``, ``frozen``, ``data_domain``) share: the data, the MLP backbone, the heads,
the training loop, and the training fields of their configs."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from paperzoo_shared.data import digits
from paperzoo_shared.runner import Context
from tversky_nn.modules import DataDomainParameter, TverskyProjection
from tversky_nn.options import INITS
from tversky_nn.reproduce.common import one_of, positive_float, positive_int

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
    """:class:`HeadTraining` plus the init of the Tversky heads' prototypes and features: ``init``, N(0, 1/d) by
    default (the paper does not state it for these settings; see :func:`tversky_head`), and ``init_ablation``,
    run as extra arms (None: no ablation)."""

    init: str = "normal"
    init_ablation: str | None = "uniform"

    def __post_init__(self) -> None:
        super().__post_init__()
        one_of(f"{self.study}.init", self.init, INITS)
        one_of(f"{self.study}.init_ablation", self.init_ablation, INITS, optional=True)


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


def tversky_head(cfg: HeadInit, init: str | None = None) -> TverskyProjection:
    """The Tversky head of the digits studies: ``TverskyProjection(32, 10, K)``, product / ignorematch.

    Its prototypes and features are initialised with ``cfg.init``, N(0, 1/d) by default: the official default
    U[0, 1) makes every prototype and feature non-negative, so on the non-negative (ReLU) embeddings every dot
    product is positive, every set holds every feature, both difference terms vanish and the head is a plain
    bilinear map whose initial logits are in the hundreds (softmax saturated); the ablation rows show the effect.
    """
    return TverskyProjection(EMBED, 10, cfg.features, init=init or cfg.init)


class DataDomainLinear(nn.Module):
    """The paper's data-domain linear baseline: ``W = g(P_img)``, logits ``x W^T``."""

    def __init__(self, weights: DataDomainParameter) -> None:
        super().__init__()
        self.weights = weights

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h @ self.weights().T


def fit(model: nn.Module, params: Any, data: Data, cfg: HeadTraining, seed: int) -> float:
    """Train ``params`` of ``model`` with Adam (batches shuffled with ``seed``); returns test accuracy in %."""
    xtr, ytr, xte, yte = data
    opt = torch.optim.Adam(params, lr=cfg.lr)
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


def report_heads(
    ctx: Context, cfg: HeadInit, summ: dict[str, Any], *, setting: str, ablation: str, paper: str
) -> None:
    """The summary of every arm, and the README rows of the Tversky head and of its init ablation (when run),
    each against the linear head."""
    for name, value in summ.items():
        ctx.set_summary(name, value)
    rows = [(f"{setting} (head init {cfg.init})", "tversky")]
    if cfg.init_ablation is not None:
        rows.append((f"ablation: {ablation}, head init {cfg.init_ablation}", "tversky_ablation"))
    for text, arm in rows:
        ctx.add_row(text, "test accuracy %", summ[arm], paper=paper, baseline=summ["linear"])
