"""What the studies share around their training runs: config checks, per-seed records and summaries, and the
NFE-over-training figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from regneuralde.reproduce.training import KINDS, NAMES


def check_lambda(study: str, lam_error: tuple[float, float], lam_stiff: float) -> None:
    if len(lam_error) != 2 or min(lam_error) <= 0:
        raise ValueError(f"{study}.lam_error must be two weights > 0 (start, end), got {lam_error}")
    if lam_stiff <= 0:
        raise ValueError(f"{study}.lam_stiff must be > 0, got {lam_stiff}")


def check_positive(study: str, **values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{study}.{name} must be > 0, got {value}")


def record_runs(
    ctx: Context, seeds: Sequence[int], runs: dict[str, list[dict[str, Any]]], metrics: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Every seed's values of every model, the NFE-over-training curves, and mean ± std of each metric (also
    the study's summary); returns ``{kind: {metric: mean_std}}``."""
    for i, seed in enumerate(seeds):
        ctx.add_seed(seed, {f"{k}.{m}": runs[k][i][m] for k in KINDS for m in metrics})
    ctx.set_data("train_nfe", {k: [r["train_nfe"] for r in runs[k]] for k in KINDS})
    agg = {k: {m: mean_std([r[m] for r in runs[k]]) for m in metrics} for k in KINDS}
    for k in KINDS:
        for m, v in agg[k].items():
            ctx.set_summary(f"{k}.{m}", v)
    return agg


def draw_nfe_curves(ctx: Context, xlabel: str, caption: str) -> None:
    """NFE of every training step's forward solve, mean over the seeds (band: min-max), one line per model."""
    if ctx.key("train_nfe") not in ctx.results.data:
        return  # results written before the curves were recorded
    import numpy as np

    curves = ctx.get_data("train_nfe")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    for k in KINDS:
        runs = np.asarray(curves[k], dtype=float)
        mean = runs.mean(axis=0)
        x = np.arange(1, len(mean) + 1)
        ax.plot(x, mean, label=f"{NAMES[k]} (n={len(runs)})")
        if len(runs) > 1:
            ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), alpha=0.2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("NFE of the forward solve")
    ax.legend()
    ax.grid(alpha=0.3)
    ctx.save_figure(fig, "nfe", caption)
