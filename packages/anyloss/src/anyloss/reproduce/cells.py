"""What the fold studies share: a *cell* is one (dataset, model, loss, L) setting, trained on every fold of
every seed at once (see :mod:`anyloss.reproduce.ensemble`); its per-fold scores become the study's per-seed
values, their mean and std its summary, and the studies judge them with the criteria here.

Summary names are ``"<study>.<dataset>/<model>/<loss>.<metric>"`` and
``"<study>.time_per_epoch_s.all_folds_batched.<dataset>/<model>/<loss>"``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from anyloss.reproduce.data import cv_folds, load_dataset
from anyloss.reproduce.ensemble import LOSSES, PAPER_MLP, STRONG_MLP, train_cell
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.results import format_value
from paperzoo_shared.runner import Context, threads

FOLD_LOSSES = ("bce", "wbce", "anyloss_f1", "anyloss_bacc", "pure_f1")

# The paper's numbers (authors' README, "Performance with different L", MLP, 10-fold CV, L = 73)
PAPER = {
    ("synthetic", "f1"): "0.637 (README, L table, MLP, synthetic)",
    ("synthetic", "bacc"): "0.852 (README, L table, MLP, synthetic)",
    ("breast_cancer", "f1"): "0.989 (README, L table, MLP, Kaggle WDBC)",
    ("breast_cancer", "bacc"): "1.000 (README, L table, MLP, Kaggle WDBC)",
}

# each AnyLoss variant and the metric it targets, as the main table shows them
TARGETS = (("anyloss_f1", "f1", "F1"), ("anyloss_bacc", "bacc", "balanced accuracy"))

# pass criteria on every dataset (spec): AnyLoss-F1 beats BCE on F1 by this much with the paper's MLP ...
MIN_F1_GAIN_OVER_BCE = 0.3
# ... and is nowhere below class-weighted BCE's F1 by more than this
MAX_F1_LOSS_TO_WBCE = 0.03


@dataclasses.dataclass(frozen=True)
class Cell:
    """One setting: ``model`` is ``"paper"``, ``"strong"`` or ``"paper L=<L>"`` (the paper MLP at another L)."""

    dataset: str
    model: str
    loss: str
    L: float

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.model}/{self.loss}"

    @property
    def spec(self) -> dict[str, Any]:
        return STRONG_MLP if self.model == "strong" else PAPER_MLP


def check_fields(
    study: str,
    *,
    losses: Sequence[str] | None,
    n_splits: int,
    batch_frac: float,
    L: float,
    **counts: int,
) -> None:
    """Validate the fields the fold and timing studies share; errors name ``study.field``."""
    if losses is not None:
        check_losses(study, losses)
    if not _is_int(n_splits) or n_splits < 2:
        raise ValueError(f"{study}.n_splits must be an int >= 2, got {n_splits!r}")
    if not _is_number(batch_frac) or not 0 < batch_frac <= 1:
        raise ValueError(f"{study}.batch_frac must be a number in (0, 1], got {batch_frac!r}")
    check_L(study, "L", L)
    for name, value in counts.items():
        low = 100 if name == "n" else 1
        if not _is_int(value) or value < low:
            raise ValueError(f"{study}.{name} must be an int >= {low}, got {value!r}")


def check_losses(study: str, losses: Sequence[str]) -> None:
    if not isinstance(losses, tuple) or not losses or any(x not in LOSSES for x in losses):
        raise ValueError(f"{study}.losses must be a non-empty tuple of {list(LOSSES)}, got {losses!r}")
    if len(set(losses)) != len(losses):
        raise ValueError(f"{study}.losses names a loss twice: {losses!r}")
    if "bce" not in losses:
        raise ValueError(
            f"{study}.losses must include 'bce' (the reference of every comparison), got {losses!r}"
        )


def check_L(study: str, field: str, L: Any) -> None:
    if not _is_number(L) or not math.isfinite(L) or L <= 0:
        raise ValueError(f"{study}.{field} must be a finite number > 0, got {L!r}")


def require_losses(study: str, losses: Sequence[str], needed: Sequence[str], why: str) -> None:
    missing = [x for x in needed if x not in losses]
    if missing:
        raise ValueError(f"{study}.losses must include {missing} {why}, got {tuple(losses)!r}")


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def cpu_threads(ctx: Context) -> threads:
    """One intra-op thread on a CPU while the tiny models train (restored afterwards): on a busy 2-core machine
    extra threads only add contention (steps measured 30x slower)."""
    return threads(1 if ctx.device.type == "cpu" else None)


def run_cells(
    ctx: Context,
    cells: Sequence[Cell],
    *,
    n_splits: int,
    epochs: int,
    batch_frac: float,
    n: int = 10_000,
) -> dict[str, list[dict[str, Any]]]:
    """Train every cell on ``n_splits``-fold CV of each seed; record per-seed values and the summary.

    ``n`` is the number of rows of the synthetic set (other datasets have a fixed size).
    Each cell starts from ``seed_everything(first seed)``, so its numbers do not depend on the other cells.
    Returns ``{cell.key: [{seed, fold, f1, bacc}, ...]}``.
    """
    seeds = ctx.seeds
    data = {ds: load_dataset(ds, n) for ds in dict.fromkeys(c.dataset for c in cells)}
    folds = {ds: cv_folds(y, n_splits, seeds) for ds, (_, y) in data.items()}
    out = {}
    for cell in ctx.progress(cells, desc=f"{ctx.study} cells"):
        seed_everything(seeds[0])
        X, y = data[cell.dataset]
        scores, seconds = train_cell(
            X,
            y,
            folds[cell.dataset],
            cell.loss,
            cell.spec,
            epochs=epochs,
            batch_frac=batch_frac,
            L=cell.L,
            device=ctx.device,
            init_seed=seeds[0],
        )
        for s in scores:
            ctx.add_seed(
                s["seed"],
                {
                    "dataset": cell.dataset,
                    "model": cell.model,
                    "loss": cell.loss,
                    "fold": s["fold"],
                    "f1": s["f1"],
                    "bacc": s["bacc"],
                },
            )
        ctx.set_summary(f"{cell.key}.f1", mean_std(s["f1"] for s in scores))
        ctx.set_summary(f"{cell.key}.bacc", mean_std(s["bacc"] for s in scores))
        ctx.set_summary(f"time_per_epoch_s.all_folds_batched.{cell.key}", seconds)
        out[cell.key] = scores
    return out


def stat(ctx: Context, dataset: str, model: str, loss: str, metric: str) -> dict[str, Any]:
    """The mean ± std of ``metric`` over all folds of a cell of this study."""
    return ctx.results.summary[ctx.key(f"{dataset}/{model}/{loss}.{metric}")]


def add_target_rows(ctx: Context, dataset: str, model: str, setting: str, *, with_paper: bool) -> None:
    """Main-table rows: each AnyLoss variant on the metric it targets, with the paper's value and BCE's."""
    for loss, metric, label in TARGETS:
        if ctx.key(f"{dataset}/{model}/{loss}.{metric}") not in ctx.results.summary:
            continue
        ctx.add_row(
            setting,
            f"{label} of {LOSSES[loss]}",
            stat(ctx, dataset, model, loss, metric),
            paper=PAPER.get((dataset, metric)) if with_paper else None,
            baseline=f"BCE {format_value(stat(ctx, dataset, model, 'bce', metric))}",
        )


def add_f1_criteria(ctx: Context, dataset: str) -> None:
    """The spec's criteria on every dataset (paper MLP, means over all folds of all seeds)."""
    a = stat(ctx, dataset, "paper", "anyloss_f1", "f1")["mean"]
    b = stat(ctx, dataset, "paper", "bce", "f1")["mean"]
    ctx.add_criterion(
        f"{dataset}: AnyLoss-F1 F1 > BCE F1 + {MIN_F1_GAIN_OVER_BCE:g} (paper MLP)",
        a > b + MIN_F1_GAIN_OVER_BCE,
        f"{a:.3f} vs {b:.3f}",
    )
    w = stat(ctx, dataset, "paper", "wbce", "f1")["mean"]
    ctx.add_criterion(
        f"{dataset}: AnyLoss-F1 F1 >= class-weighted BCE F1 - {MAX_F1_LOSS_TO_WBCE:g}",
        a >= w - MAX_F1_LOSS_TO_WBCE,
        f"{a:.3f} vs {w:.3f}",
    )
