"""Study ``timing``: time per training epoch of ONE paper MLP per loss, relative to BCE.

Same fold (the first fold of the first seed), data (the synthetic set) and batch size for every loss; each
loss is called as a user calls it, on ``(B,)`` logits (AnyLoss with ``validate_args=False``). A measurement is
the median epoch time over ``epochs`` epochs (``paperzoo_shared.bench.time_fn``); the losses are measured in
turn, ``repeats`` times, and each keeps its best (the least disturbed by other processes on a shared
machine). The criterion is judged on this eager measurement, as in the first cpu run. The paper timed its
losses in Keras, which runs the training step as a compiled graph; the losses of ``compiled`` are also timed
with the MLP's forward pass and the loss under ``torch.compile`` (compiled in two warm-up epochs before the
clock starts). That ratio is reported beside the criterion, never deciding it: a later cpu run judged the
criterion on it after the eager measurement had failed, and issue #22's review moved the judgement back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from anyloss.reproduce.cells import FOLD_LOSSES, check_fields, cpu_threads
from anyloss.reproduce.data import Fold, cv_folds, load_dataset
from anyloss.reproduce.ensemble import PAPER_MLP, make_epoch_runner
from anyloss.reproduce.report import TIMING_DATASET, refresh_side_by_side
from paperzoo_shared import seed_everything
from paperzoo_shared.bench import time_fn
from paperzoo_shared.runner import Context

MAX_RATIO = 1.10  # pass criterion (spec): AnyLoss-F1's time per epoch at most this times BCE's, eager
# the paper's ratio (spec: notebook 4-62, Keras, MLP on the synthetic set, 100 epochs, 10 folds)
PAPER_RATIO = "1.02-1.06 (notebook 4-62: AnyLoss-Acc/F1/BAcc vs BCE, Keras)"


@dataclasses.dataclass(frozen=True)
class Config:
    n: int = 10_000  # rows of the synthetic set
    n_splits: int = 5  # the timed fold is the first of this CV (its training part)
    batch_frac: float = 0.1
    L: float = 73.0
    losses: tuple[str, ...] = FOLD_LOSSES
    epochs: int = 10  # timed epochs per measurement
    repeats: int = 3  # measurements per loss, interleaved; the best counts
    # also timed under torch.compile (compiling costs tens of seconds per loss on a CPU)
    compiled: tuple[str, ...] = ("bce", "anyloss_f1")
    criteria: bool = True

    def __post_init__(self) -> None:
        check_fields(
            "timing",
            losses=self.losses,
            n_splits=self.n_splits,
            batch_frac=self.batch_frac,
            L=self.L,
            n=self.n,
            epochs=self.epochs,
            repeats=self.repeats,
        )
        if not isinstance(self.compiled, tuple) or any(x not in self.losses for x in self.compiled):
            raise ValueError(f"timing.compiled must be a tuple of timing.losses, got {self.compiled!r}")
        if self.compiled and "bce" not in self.compiled:
            raise ValueError(
                f"timing.compiled must include 'bce' (the reference of the ratios), got {self.compiled!r}"
            )
        if not isinstance(self.criteria, bool):
            raise ValueError(f"timing.criteria must be a bool, got {self.criteria!r}")
        if self.criteria and "anyloss_f1" not in self.losses:
            raise ValueError(
                "timing.criteria needs 'anyloss_f1' in timing.losses (or set timing.criteria=False)"
            )


def run(cfg: Config, ctx: Context) -> None:
    """Times of one model per loss; uses the first seed only (``ctx.seeds_prefix(1)``)."""
    (seed,) = ctx.seeds_prefix(1)
    X, y = load_dataset(TIMING_DATASET, cfg.n)
    fold = cv_folds(y, cfg.n_splits, [seed])[:1]
    with cpu_threads(ctx):
        eager = best_epoch_times(X, y, fold, cfg, ctx, cfg.losses, compiled=False, seed=seed)
        compiled = best_epoch_times(X, y, fold, cfg, ctx, cfg.compiled, compiled=True, seed=seed)
    for loss, sec in eager.items():
        ctx.set_summary(f"time_per_epoch_s.one_model.{loss}", sec)
    for loss, sec in compiled.items():
        ctx.set_summary(f"time_per_epoch_s.one_model_compiled.{loss}", sec)
    refresh_side_by_side(ctx.results)
    add_rows(ctx, eager, compiled, judged=cfg.criteria)
    if cfg.criteria:
        add_criterion(ctx, eager, compiled)


def best_epoch_times(
    X: np.ndarray,
    y: np.ndarray,
    fold: Sequence[Fold],
    cfg: Config,
    ctx: Context,
    losses: Sequence[str],
    *,
    compiled: bool,
    seed: int,
) -> dict[str, float]:
    """Seconds per epoch of one paper MLP per loss: the best of ``repeats`` interleaved measurements."""
    runners: dict[str, Callable[[], None]] = {}
    for loss in losses:
        seed_everything(seed)
        run_epoch, _, _ = make_epoch_runner(
            X,
            y,
            fold,
            loss,
            PAPER_MLP,
            batch_frac=cfg.batch_frac,
            L=cfg.L,
            device=ctx.device,
            init_seed=seed,
            compiled=compiled,
        )
        for _ in range(2 if compiled else 1):  # warm-up: lazy imports, allocator, compilation
            run_epoch()
        runners[loss] = run_epoch
    times: dict[str, list[float]] = {loss: [] for loss in losses}
    for _ in range(cfg.repeats):
        for loss, run_epoch in runners.items():
            times[loss].append(time_fn(run_epoch, warmup=0, repeat=cfg.epochs, device=ctx.device).median)
    return {loss: float(min(t)) for loss, t in times.items()}


def add_rows(
    ctx: Context, eager: dict[str, float], compiled: dict[str, float], *, judged: bool = True
) -> None:
    """Main-table rows: AnyLoss-F1's time per epoch relative to BCE, eager (the criterion, when ``judged``) and
    under ``torch.compile`` (reported, not deciding: issue #22 review)."""
    if "anyloss_f1" not in eager:
        return
    setting = "1 paper MLP, synthetic, time per epoch (CPU-scale)"
    metric = "time/epoch of AnyLoss-F1 vs BCE"
    ctx.add_row(
        f"{setting}, eager" + (": the criterion" if judged else ""),
        metric,
        f"{eager['anyloss_f1'] / eager['bce']:.2f}x",
        paper=PAPER_RATIO,
        baseline="BCE 1.00x",
    )
    if "anyloss_f1" in compiled:
        ctx.add_row(
            f"{setting}, torch.compile: reported, not judged (issue #22 review)",
            metric,
            f"{compiled['anyloss_f1'] / compiled['bce']:.2f}x",
            paper=PAPER_RATIO,
            baseline="BCE 1.00x",
        )


def add_criterion(ctx: Context, eager: dict[str, float], compiled: dict[str, float]) -> None:
    """Judged on the eager measurement (as the first cpu run; issue #22 review); the ratio under
    ``torch.compile``, when measured, is reported in the detail and never decides."""
    ratio = eager["anyloss_f1"] / eager["bce"]
    detail = f"{ratio:.2f}x eager (1 paper MLP)"
    if "anyloss_f1" in compiled:
        ratio_c = compiled["anyloss_f1"] / compiled["bce"]
        detail += f"; {ratio_c:.2f}x under torch.compile (reported, not judged)"
    ctx.add_criterion(
        f"time per epoch of AnyLoss-F1 <= {MAX_RATIO:.2f}x BCE (eager)", ratio <= MAX_RATIO, detail
    )
