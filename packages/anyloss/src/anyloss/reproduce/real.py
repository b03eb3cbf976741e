"""Study ``real``: the paper MLP with every loss on real imbalanced data, on the same folds.

``breast_cancer`` is scikit-learn's copy of the paper's Kaggle WDBC set with malignant as the positive class,
subsampled to 10% of benign; ``digits3`` is digit 3 against the rest (in place of the paper's Kaggle
credit-card and diabetes sets, which are not available offline). The full preset adds 1M-row synthetic sets.
Same training and CV protocol as the ``synthetic`` study.
"""

from __future__ import annotations

import dataclasses

from anyloss.reproduce.cells import (
    FOLD_LOSSES,
    Cell,
    add_f1_criteria,
    add_target_rows,
    check_fields,
    cpu_threads,
    require_losses,
    run_cells,
)
from anyloss.reproduce.data import check_dataset
from anyloss.reproduce.report import draw_folds, refresh_side_by_side
from paperzoo_shared.runner import Context


@dataclasses.dataclass(frozen=True)
class Config:
    datasets: tuple[str, ...] = ("breast_cancer", "digits3")
    losses: tuple[str, ...] = FOLD_LOSSES  # trained with the paper MLP
    n_splits: int = 5  # stratified CV folds per seed
    epochs: int = 100
    batch_frac: float = 0.1  # batch size as a fraction of the training fold
    L: float = 73.0  # AnyLoss' amplification
    criteria: bool = True  # judge the spec's pass criteria on every dataset

    def __post_init__(self) -> None:
        check_fields(
            "real",
            losses=self.losses,
            n_splits=self.n_splits,
            batch_frac=self.batch_frac,
            L=self.L,
            epochs=self.epochs,
        )
        if not isinstance(self.datasets, tuple) or not self.datasets:
            raise ValueError(f"real.datasets must be a non-empty tuple of names, got {self.datasets!r}")
        for ds in self.datasets:
            check_dataset(ds, "real.datasets")
            if ds == "synthetic":
                raise ValueError("real.datasets: 'synthetic' is the synthetic study's dataset")
        if len(set(self.datasets)) != len(self.datasets):
            raise ValueError(f"real.datasets names a dataset twice: {self.datasets!r}")
        if not isinstance(self.criteria, bool):
            raise ValueError(f"real.criteria must be a bool, got {self.criteria!r}")
        if self.criteria:
            require_losses(
                "real", self.losses, ("wbce", "anyloss_f1"), "for the criteria (or set real.criteria=False)"
            )


def run(cfg: Config, ctx: Context) -> None:
    cells = [Cell(ds, "paper", loss, cfg.L) for ds in cfg.datasets for loss in cfg.losses]
    with cpu_threads(ctx):
        run_cells(ctx, cells, n_splits=cfg.n_splits, epochs=cfg.epochs, batch_frac=cfg.batch_frac)
    n_folds = f"{len(ctx.seeds)} seeds x {cfg.n_splits} folds"
    for ds in cfg.datasets:
        add_target_rows(ctx, ds, "paper", f"{ds}, paper MLP (CPU-scale, {n_folds})", with_paper=True)
    refresh_side_by_side(ctx.results)
    if cfg.criteria:
        for ds in cfg.datasets:
            add_f1_criteria(ctx, ds)


def draw(ctx: Context) -> None:
    draw_folds(
        ctx,
        "Real data (breast cancer with malignant = 10% of benign; digits 3 vs rest): test F1 and balanced "
        "accuracy of every fold, per loss (paper MLP); a bar marks the mean",
    )
