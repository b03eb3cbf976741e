"""Shared pieces of the digits studies: data, the per-kind learning-rate tuning, criteria helpers, the figure."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from transferability import (
    TransferExperiment,
    TransferResult,
    Treatment,
    default_train,
    digits_cnn,
    digits_mlp,
    plot_transfer,
    stratified_indices,
    summary,
)

MODELS: dict[str, Callable[..., torch.nn.Module]] = {"mlp": digits_mlp, "cnn": digits_cnn}
KINDS = ("base", "frozen", "finetuned")
TUNING_SPLIT_SEED = 100  # outside the verdict splits 0..4
TUNE_FRACTION = 0.2  # 80/20 split of the target's training data for the lr choice
VAL_FRACTION = 0.3  # per-task held-out share, used once


def load_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """sklearn digits: pixels / 16, then each feature standardised over the whole set (the spec's recipe)."""
    from sklearn.datasets import load_digits as _load

    X, y = _load(return_X_y=True)
    X = np.asarray(X, dtype=np.float64) / 16.0
    sd = X.std(0)
    X = (X - X.mean(0)) / np.where(sd > 0, sd, 1.0)
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)


def trainer(lr: float, epochs: int, batch_size: int) -> Any:
    """The Adam trainer of the spec (no weight decay) at one learning rate (picklable)."""
    return functools.partial(default_train, lr=lr, epochs=epochs, batch_size=batch_size, optimizer="adam")


def tune_lrs(
    model: str,
    lrs: Sequence[float],
    *,
    epochs: int,
    batch_size: int,
    tune_n: Sequence[int],
    target_train_per_class: int | None = None,
    kinds: Sequence[str] = KINDS,
) -> tuple[dict[str, float], list[list[Any]]]:
    """Pick each treatment kind's Adam lr on the tuning split (seed 100), target B only.

    The data are the training part (70 %) of every class, split 80/20 again; the verdict's held-out 30 % is
    never seen. Base: the mean held-out accuracy of the two base nets (A and B). Frozen: mean over BnB, AnB and
    random at ``tune_n``; fine-tuned: mean over BnB+ and AnB+ at ``tune_n`` (donor bases at the base lr).
    """
    X, y = load_digits()
    tr, _ = stratified_indices(y, VAL_FRACTION, 0)
    X, y = X[tr], y[tr]
    itr, iva = stratified_indices(y, TUNE_FRACTION, 1)
    common: dict[str, Any] = dict(
        X=X[itr],
        y=y[itr],
        X_val=X[iva],
        y_val=y[iva],
        split_seeds=(TUNING_SPLIT_SEED,),
        seeds=(0,),
        both_directions=False,
        n_values=tuple(tune_n),
        target_train_per_class=target_train_per_class,
    )
    rows: list[list[Any]] = []
    chosen: dict[str, float] = {}
    scores: dict[float, float] = {}
    bases_by_lr: dict[float, dict[Any, Any]] = {}
    for lr in lrs:
        exp = TransferExperiment(
            MODELS[model], treatments=(), train_fn=trainer(lr, epochs, batch_size), **common
        )
        low = target_train_per_class is not None
        accs = [acc for job in exp.base_jobs() for acc in [exp.train_base(*job)[1]] if job[3] == low]
        scores[lr] = float(np.mean(accs))
        bases_by_lr[lr] = exp._bases
        rows.append([model, "base", lr, scores[lr]])
    chosen["base"] = max(lrs, key=lambda v: (scores[v], -v))
    per_kind = {
        "frozen": (Treatment.SELFFER, Treatment.TRANSFER, Treatment.RANDOM),
        "finetuned": (Treatment.SELFFER_FT, Treatment.TRANSFER_FT),
    }
    for kind in kinds:
        if kind == "base":
            continue
        scores = {}
        for lr in lrs:
            exp = TransferExperiment(
                MODELS[model],
                treatments=per_kind[kind],
                train_fn=trainer(chosen["base"], epochs, batch_size),
                train_fns={kind: trainer(lr, epochs, batch_size)},
                **common,
            )
            exp._bases.update(bases_by_lr[chosen["base"]])
            res = [r for r in exp.run() if r.treatment != "base"]
            scores[lr] = float(np.mean([r.accuracy for r in res]))
            rows.append([model, kind, lr, scores[lr]])
        chosen[kind] = max(lrs, key=lambda v: (scores[v], -v))
    return chosen, rows


def as_dicts(results: Sequence[TransferResult]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in results]


def from_dicts(rows: Sequence[dict[str, Any]]) -> list[TransferResult]:
    return [TransferResult(**r) for r in rows]


def target_means(results: Sequence[TransferResult]) -> dict[tuple[str, int], list[float]]:
    """Per (treatment, n): the accuracies of every target task, in the same task order for every key."""
    cells = summary.per_target(results)
    keys = sorted({k for c in cells.values() for k in c})
    return {k: [c[k] for _, c in sorted(cells.items()) if k in c] for k in keys}


def record_curves(
    ctx: Context, results: Sequence[TransferResult], label: str, paper: dict[str, str]
) -> dict[tuple[str, int], float]:
    """Rows of the main table (mean ± std over target tasks) and the table of every treatment x n."""
    tm = target_means(results)
    means = {k: float(np.mean(v)) for k, v in tm.items()}
    for (t, n), v in tm.items():
        ctx.set_summary(f"{t}@{n}", mean_std(v))
    ns = sorted({n for (_, n) in tm if n > 0})
    treatments = [t for t in ("BnB", "BnB+", "AnB", "AnB+", "random") if any((t, n) in tm for n in ns)]
    base = means[("base", 0)]
    rows = []
    for t in treatments:
        rows.append(
            [t, *[round(means[(t, n)] - base, 4) if (t, n) in means else None for n in ns], paper.get(t, "")]
        )
    ctx.add_table(
        f"{ctx.study}_vs_base",
        ["treatment", *[f"n={n}" for n in ns], "paper (ImageNet, n=1..7, vs base 0.625)"],
        rows,
    )
    return means


def draw(ctx: Context, title: str) -> None:
    from paperzoo_shared.runner import pyplot

    pyplot()
    results = from_dicts(ctx.get_data("nets"))
    fig = plot_transfer(results, title=title)
    ctx.save_figure(fig, "fig2", f"{title}: one dot per net, lines through the means (the paper's Fig. 2)")
