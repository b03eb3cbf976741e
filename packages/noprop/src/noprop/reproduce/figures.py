"""Training curves drawn from the results alone (``ctx.get_data``), so ``--redraw`` needs no run."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from paperzoo_shared.runner import Context, pyplot


def loss_recorder(store: list[Any]) -> Callable[[int, Any], None]:
    """A ``fit(callback=...)`` that appends each epoch's mean loss (NoProp-DT: the list over blocks 1..T)."""

    def record(epoch: int, loss: Any) -> None:
        store.append([loss[t] for t in sorted(loss)] if isinstance(loss, dict) else loss)

    return record


def mean_curve(per_seed: Sequence[Sequence[Any]]) -> list[float]:
    """Mean over seeds at each epoch, over the finite values ("nan" strings of a results file count as NaN)."""
    out = []
    for values in zip(*per_seed, strict=True):
        finite = [float(v) for v in values if math.isfinite(float(v))]
        out.append(sum(finite) / len(finite) if finite else math.nan)
    return out


def plot_seeds(ax: Any, per_seed: Sequence[Sequence[Any]], label: str, color: Any) -> None:
    """One thin line per seed and their mean as a thick line."""
    epochs = range(1, len(per_seed[0]) + 1)
    for curve in per_seed:
        ax.plot(epochs, [float(v) for v in curve], color=color, alpha=0.3, lw=0.8)
    ax.plot(epochs, mean_curve(per_seed), color=color, lw=2.0, label=label)


def draw_loss(ctx: Context, series: dict[str, str], title: str, caption: str) -> None:
    """One panel of training-loss curves per seed, for each ``{data name: label}`` the study stored."""
    try:
        data = {label: ctx.get_data(name) for name, label in series.items()}
    except KeyError:
        return  # results written before the curves were recorded
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for (label, per_seed), color in zip(data.items(), ("tab:blue", "tab:orange", "tab:green"), strict=False):
        plot_seeds(ax, per_seed, label, color)
    ax.set(xlabel="epoch", ylabel="training loss (mean over the epoch)", yscale="log", title=title)
    ax.legend(fontsize=8)
    ctx.save_figure(fig, "curves", caption)
