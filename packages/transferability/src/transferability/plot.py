"""The paper's Fig. 2: one dot per trained net, a line through the means of each treatment (needs matplotlib)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from transferability.protocol import TransferResult

__all__ = ["COLORS", "plot_transfer"]

# the paper's colours: base white, BnB dark blue, BnB+ light blue, AnB dark red, AnB+ pink
COLORS = {
    "base": "white",
    "BnB": "#1f3c88",
    "BnB+": "#7fb2e5",
    "AnB": "#9b1b1b",
    "AnB+": "#f08fb0",
    "random": "#777777",
}


def plot_transfer(
    results: Sequence[TransferResult], ax: Any = None, *, title: str | None = None, jitter: float = 0.08
) -> Any:
    """Draw accuracy against the number of copied layers n, as in the paper's Fig. 2.

    Args:
        results: nets from :meth:`~transferability.protocol.TransferExperiment.run`.
        ax: a matplotlib Axes to draw into (default: a new figure).
        title: the axes title.
        jitter: horizontal offset between treatments so dots do not overlap.

    Returns:
        The matplotlib Figure.
    """
    if not results:
        raise ValueError("results is empty: nothing to plot")
    if not (isinstance(jitter, (int, float)) and math.isfinite(jitter) and jitter >= 0):
        raise ValueError(f"jitter must be a finite number >= 0, got {jitter!r}")
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
    else:
        fig = ax.figure
    order = [t for t in COLORS if any(r.treatment == t for r in results)]
    for i, t in enumerate(order):
        rs = [r for r in results if r.treatment == t]
        off = (i - (len(order) - 1) / 2) * jitter if t != "base" else 0.0
        xs = np.array([r.n for r in rs], dtype=float) + off
        ys = np.array([r.accuracy for r in rs])
        edge = "black" if t == "base" else COLORS[t]
        ax.scatter(xs, ys, s=18, facecolor=COLORS[t], edgecolor=edge, linewidth=0.7, alpha=0.8, zorder=3)
        ns = sorted({r.n for r in rs})
        means = [np.mean([r.accuracy for r in rs if r.n == n]) for n in ns]
        if t == "base":
            ax.axhline(means[0], color="black", lw=0.8, ls=":", zorder=1, label="base")
        else:
            ax.plot(np.array(ns) + off, means, color=COLORS[t], lw=2, label=t, zorder=2)
    ax.set_xlabel("layer n at which the network is chopped and retrained")
    ax.set_ylabel("top-1 accuracy (target held-out set)")
    ax.set_xticks(sorted({r.n for r in results}))
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, ncol=3)
    ax.grid(alpha=0.3)
    return fig
