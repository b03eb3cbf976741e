"""Figures: the information plane (Shwartz-Ziv & Tishby 2017, Fig. 3), per-layer curves over epochs, and the
gradient signal-to-noise ratio (Fig. 4). Needs matplotlib (``pip install matplotlib``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["plot_gradient_snr", "plot_info_plane", "plot_layer_curves"]


def _plt() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from err
    return plt


def _member_mean(a: Any) -> np.ndarray:
    """``[R, ...]`` -> ``[R]``: the mean over members (the paper averages its runs)."""
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(a.shape[0], -1).mean(-1) if a.ndim > 1 else a


def _check_history(history: Mapping[str, Mapping[str, Any]]) -> None:
    if not isinstance(history, Mapping) or not history:
        raise ValueError(
            "history must be a non-empty {layer: {'epochs', 'ixt', 'ity'}} mapping (one estimator)"
        )
    for layer, h in history.items():
        if not isinstance(h, Mapping) or not {"epochs", "ixt", "ity"} <= set(h):
            raise ValueError(f"history[{layer!r}] must have 'epochs', 'ixt' and 'ity'")


def plot_info_plane(
    history: Mapping[str, Mapping[str, Any]],
    ax: Any = None,
    *,
    cmap: str = "gnuplot",
    max_epoch: int | None = None,
    connect_layers: bool = True,
    title: str | None = None,
) -> Any:
    """The information plane: x = I(X;T), y = I(T;Y), one marker per layer per recorded epoch coloured by epoch,
    thin lines joining the layers of one epoch (member dimensions are averaged first).

    Args:
        history: one estimator's history, ``recorder.history["bin"]``: ``{layer: {"epochs", "ixt", "ity"}}``.
        ax: matplotlib axes (None: a new figure).
        cmap: colour map of the epochs (both official codes use ``"gnuplot"``).
        max_epoch: draw only epochs ``<= max_epoch``.
        connect_layers: draw the lines joining the layers of one epoch.
        title: optional axes title.

    Returns:
        The axes.
    """
    _check_history(history)
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    layers = list(history)
    epochs = np.asarray(history[layers[0]]["epochs"])
    keep = epochs <= (max_epoch if max_epoch is not None else epochs.max(initial=0))
    ixt = np.stack([_member_mean(history[la]["ixt"])[keep] for la in layers], axis=1)  # [R, L]
    ity = np.stack([_member_mean(history[la]["ity"])[keep] for la in layers], axis=1)
    ep = epochs[keep]
    from matplotlib.colors import LogNorm

    # colour = epoch on a log scale (the records are log-spaced); epoch 0 is drawn as epoch + 1 = 1
    norm = LogNorm(vmin=1.0, vmax=float(ep.max(initial=0)) + 1.0 if len(ep) else 2.0)
    colours = plt.get_cmap(cmap)(norm(ep + 1.0))
    for r in range(len(ep)):
        if connect_layers:
            ax.plot(ixt[r], ity[r], color=colours[r], lw=0.3, alpha=0.5)
        ax.scatter(ixt[r], ity[r], color=colours[r], s=12, edgecolors="none", zorder=2)
    ax.set(xlabel="I(X;T) (bits)", ylabel="I(T;Y) (bits)")
    if title:
        ax.set_title(title)
    if len(ep):
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
        ax.figure.colorbar(sm, ax=ax, label="epoch + 1 (log scale)")
    return ax


def plot_layer_curves(
    history: Mapping[str, Mapping[str, Any]], axes: Any = None, *, logx: bool = True
) -> Any:
    """I(X;T) and I(T;Y) of every layer against the epoch (member means), two panels.

    Args:
        history: one estimator's history ``{layer: {"epochs", "ixt", "ity"}}``.
        axes: two matplotlib axes (None: a new figure).
        logx: logarithmic epoch axis (epoch 0 drawn at 1).

    Returns:
        The two axes.
    """
    _check_history(history)
    plt = _plt()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for layer, h in history.items():
        ep = np.maximum(np.asarray(h["epochs"]), 1) if logx else np.asarray(h["epochs"])
        axes[0].plot(ep, _member_mean(h["ixt"]), label=layer)
        axes[1].plot(ep, _member_mean(h["ity"]), label=layer)
    for ax, lab in zip(axes, ("I(X;T) (bits)", "I(T;Y) (bits)"), strict=True):
        ax.set(xlabel="epoch", ylabel=lab)
        if logx:
            ax.set_xscale("log")
    axes[1].legend(fontsize=7)
    return axes


def plot_gradient_snr(snr_history: Mapping[str, Mapping[str, Any]], ax: Any = None) -> Any:
    """Norm of the mean and of the standard deviation of each layer's minibatch gradients against the epoch
    (log-log, member means), the paper's Fig. 4.

    Args:
        snr_history: :attr:`info_plane.snr.GradientSNR.history`.
        ax: matplotlib axes (None: a new figure).

    Returns:
        The axes.
    """
    if not isinstance(snr_history, Mapping) or not snr_history:
        raise ValueError("snr_history must be a non-empty GradientSNR.history mapping")
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(snr_history)))
    for c, (name, h) in zip(colours, snr_history.items(), strict=True):
        ep = np.maximum(np.asarray(h["epochs"]), 1)
        ax.plot(ep, _member_mean(h["mean_norm"]), color=c, label=f"{name} mean")
        ax.plot(ep, _member_mean(h["std_norm"]), color=c, ls="--", label=f"{name} std")
    ax.set(xscale="log", yscale="log", xlabel="epoch", ylabel="gradient norm")
    ax.legend(fontsize=6, ncol=2)
    return ax
