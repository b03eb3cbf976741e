"""Study ``L_table``: the paper's L table on the synthetic set (paper MLP, AnyLoss-F1).

AnyLoss-F1 at each L of ``ablation`` and at the paper's ``L`` (73), and the un-amplified soft F1 ("Pure",
A = identity, a soft Dice loss), on the same folds and with the same protocol as the ``synthetic`` study (the L
and Pure cells are trained again here, with the same seeds, so the study stands alone).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from anyloss.reproduce.cells import Cell, check_fields, check_L, cpu_threads, run_cells, stat
from anyloss.reproduce.report import constant_folds
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context

SPREAD_LS = (30.0, 50.0)  # with the paper's L: the values whose F1 must agree (the paper's table)
MAX_SPREAD = 0.02  # largest F1 difference between them
MAX_PURE_GAIN = 0.02  # Pure may not beat L = 73 on F1 by more than this


@dataclasses.dataclass(frozen=True)
class Config:
    n: int = 10_000  # rows of the synthetic set
    n_splits: int = 5
    epochs: int = 100
    batch_frac: float = 0.1
    L: float = 73.0  # the paper's L (the reference row)
    ablation: tuple[float, ...] = (30.0, 50.0)  # the other values of L
    pure: bool = True  # also the un-amplified soft F1 (L=None)
    criteria: bool = True

    def __post_init__(self) -> None:
        check_fields(
            "L_table",
            losses=None,
            n_splits=self.n_splits,
            batch_frac=self.batch_frac,
            L=self.L,
            n=self.n,
            epochs=self.epochs,
        )
        if not isinstance(self.ablation, tuple):
            raise ValueError(f"L_table.ablation must be a tuple of numbers, got {self.ablation!r}")
        for L in self.ablation:
            check_L("L_table", "ablation", L)
        if self.L in self.ablation or len(set(self.ablation)) != len(self.ablation):
            raise ValueError(
                f"L_table.ablation must hold distinct values other than L={self.L:g}: {self.ablation!r}"
            )
        for name in ("pure", "criteria"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"L_table.{name} must be a bool, got {getattr(self, name)!r}")
        if self.criteria and not self.pure:
            raise ValueError("L_table.criteria needs L_table.pure=True (one criterion compares with Pure)")


def run(cfg: Config, ctx: Context) -> None:
    rows = {f"{L:g}": Cell("synthetic", f"paper L={L:g}", "anyloss_f1", L) for L in cfg.ablation}
    rows[f"{cfg.L:g} (paper)"] = Cell("synthetic", "paper", "anyloss_f1", cfg.L)
    if cfg.pure:
        rows["none (Pure: A = identity)"] = Cell("synthetic", "paper", "pure_f1", cfg.L)
    with cpu_threads(ctx):
        scores = run_cells(
            ctx,
            list(rows.values()),
            n=cfg.n,
            n_splits=cfg.n_splits,
            epochs=cfg.epochs,
            batch_frac=cfg.batch_frac,
        )

    def row(label: str, cell: Cell) -> list[Any]:
        folds = scores[cell.key]
        median = float(np.median([r["f1"] for r in folds]))
        learned = [r["f1"] for r in folds if abs(r["bacc"] - 0.5) >= 1e-12]
        rest = mean_std(learned) if learned else "—"
        return [
            label,
            stat(ctx, "synthetic", cell.model, cell.loss, "f1"),
            median,
            constant_folds(folds),
            rest,
        ]

    columns = [
        "L",
        "test F1 of AnyLoss-F1 (synthetic, paper MLP)",
        "median over folds",
        "constant-prediction folds",
        "test F1 of the other folds (not a criterion)",
    ]
    ctx.add_table("L_ablation", columns, [row(label, cell) for label, cell in rows.items()])
    if cfg.criteria:
        add_criteria(ctx, cfg)


def add_criteria(ctx: Context, cfg: Config) -> None:
    f1s = {L: stat(ctx, "synthetic", f"paper L={L:g}", "anyloss_f1", "f1")["mean"] for L in cfg.ablation}
    f1_paper = stat(ctx, "synthetic", "paper", "anyloss_f1", "f1")["mean"]
    f1s[cfg.L] = f1_paper
    sub = [f1s[L] for L in (*SPREAD_LS, cfg.L) if L in f1s]
    spread = max(sub) - min(sub)
    ctx.add_criterion(
        f"L table: F1 within {MAX_SPREAD:g} for L in {{30, 50, 73}}",
        spread <= MAX_SPREAD,
        f"spread {spread:.3f}",
    )
    pure = stat(ctx, "synthetic", "paper", "pure_f1", "f1")["mean"]
    ctx.add_criterion(
        f"ablation: Pure (no A) not better than L=73 by > {MAX_PURE_GAIN:g}",
        pure <= f1_paper + MAX_PURE_GAIN,
        f"Pure {pure:.3f} vs L=73 {f1_paper:.3f}",
    )
