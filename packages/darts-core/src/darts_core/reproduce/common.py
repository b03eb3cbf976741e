"""What the studies share: the search recipe (declared once, inherited by every study config), one DARTS
search on the NB-digits-3e5o supernet, and the paper values quoted in the tables."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch

from darts_core.bilevel import search
from darts_core.genotype import Genotype
from darts_core.loader import TensorLoader
from darts_core.ops import PARAMETER_FREE
from darts_core.spaces import nb_digits_space
from darts_core.supernet import Supernet
from paperzoo_shared import seed_everything

Data = dict[str, tuple[torch.Tensor, torch.Tensor]]

PAPER_NB201 = (
    "NAS-Bench-201 (Dong & Yang 2020) Table 5: DARTS-V1/V2 54.30 % CIFAR-10 test vs optimum 94.37 % "
    "(all-skip collapse)"
)
PAPER_DARTS = "DARTS Table 1: 2.76 ± 0.09 % CIFAR-10 test error (2nd order), 3.00 ± 0.14 % (1st order)"
PAPER_DRIFT = "NAS-Bench-201 Sec. 6: DARTS drifts to parameter-free ops"


@dataclasses.dataclass(frozen=True)
class SearchRecipe:
    """The first-order DARTS search recipe on the one-cell NB-digits-3e5o supernet (the spec's cpu protocol;
    α lr 3e-3 instead of the paper's 3e-4 so that α moves within 30 epochs of 6 batches).

    Every study config inherits these fields, so ``--set search.arch_lr=...`` changes one study only."""

    STUDY: ClassVar[str] = "study"

    epochs: int = 30
    orders: tuple[int, ...] = (1,)  # 1: first order, 2: second order (unrolled, Eq. 7-8)
    C: int = 8
    batch_size: int = 100
    w_lr: float = 0.05
    w_lr_min: float = 0.001
    momentum: float = 0.9
    wd: float = 3e-4
    arch_lr: float = 3e-3
    arch_wd: float = 1e-3
    grad_clip: float = 5.0

    def __post_init__(self) -> None:
        s = self.STUDY
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"{s}.epochs must be a positive int, got {self.epochs!r}")
        if not self.orders or any(o not in (1, 2) for o in self.orders):
            raise ValueError(f"{s}.orders must be a non-empty tuple of 1 and/or 2, got {self.orders!r}")
        for name in ("C", "batch_size"):
            val = getattr(self, name)
            if not isinstance(val, int) or val < 1:
                raise ValueError(f"{s}.{name} must be a positive int, got {val!r}")
        for name in ("w_lr", "arch_lr", "grad_clip"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{s}.{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("w_lr_min", "wd", "arch_wd"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{s}.{name} must be >= 0, got {getattr(self, name)!r}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"{s}.momentum must be in [0, 1), got {self.momentum!r}")


def order_tag(order: int) -> str:
    return f"{'first' if order == 1 else 'second'}-order"


def seeded_supernet(
    seed: int, data: Data, *, C: int, batch_size: int, device: torch.device | str
) -> tuple[Supernet, TensorLoader, TensorLoader]:
    """The NB-digits-3e5o supernet (one cell, ``C`` channels) initialised from ``seed``, and the loaders of
    D_train (the 600 train digits, updates w) and D_val (the 600 val digits, updates α), whose shuffling streams
    the seed also fixes. darts-pt's reproduction starts from the same supernets."""
    seed_everything(seed)
    model = Supernet(nb_digits_space(), C=C, layers=1, in_channels=1, num_classes=10).to(device)
    train = TensorLoader(*data["train"], batch_size=batch_size, seed=seed).to(device)
    val = TensorLoader(*data["val"], batch_size=batch_size, seed=seed + 10_000).to(device)
    return model, train, val


def run_search(
    recipe: SearchRecipe, seed: int, epochs: int, order: int, data: Data, device: torch.device
) -> list[dict[str, Any]]:
    """One DARTS search of ``epochs`` epochs on the :func:`seeded_supernet`; returns the per-epoch history."""
    model, train, val = seeded_supernet(seed, data, C=recipe.C, batch_size=recipe.batch_size, device=device)
    res = search(
        model,
        train,
        val,
        epochs,
        order=order,
        w_lr=recipe.w_lr,
        w_lr_min=recipe.w_lr_min,
        momentum=recipe.momentum,
        wd=recipe.wd,
        grad_clip=recipe.grad_clip,
        arch_lr=recipe.arch_lr,
        arch_wd=recipe.arch_wd,
    )
    return res.history


def is_param_free(g: Genotype) -> bool:
    """Whether every op of the cell is parameter-free (skip, pooling, none): the DARTS collapse."""
    return all(op in PARAMETER_FREE for op in g.ops())


def cpu_threads(device: torch.device) -> int | None:
    """One torch thread on the CPU (the tiny convolutions run faster so, and the committed numbers were
    computed so); the runner's setting elsewhere."""
    return 1 if device.type == "cpu" else None
