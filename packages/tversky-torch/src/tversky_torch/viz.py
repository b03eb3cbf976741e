"""Draw learned prototypes and features as images (paper Sec. 2.5, Fig. 2); needs matplotlib."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from tversky_torch.modules import DataDomainParameter

__all__ = ["plot_prototypes"]


def _as_images(src: Any, shape: Sequence[int] | None) -> torch.Tensor:
    if isinstance(src, DataDomainParameter):
        t = src.images()
    elif isinstance(src, torch.Tensor):
        t = src.detach().cpu()
    else:
        raise TypeError(f"expected a DataDomainParameter or a tensor, got {type(src).__name__}")
    if shape is not None:
        t = t.reshape(t.shape[0], *shape)
    if t.dim() == 4 and t.shape[1] in (1, 3):
        t = t.permute(0, 2, 3, 1)  # (n, C, H, W) -> (n, H, W, C)
    if t.dim() == 4 and t.shape[-1] == 1:
        t = t[..., 0]
    if t.dim() not in (3, 4):
        raise ValueError(
            f"cannot draw tensors of shape {tuple(t.shape)} as images; pass shape=(H, W) or (C, H, W)"
        )
    return t.float()


def plot_prototypes(
    prototypes: Any,
    features: Any = None,
    *,
    shape: Sequence[int] | None = None,
    titles: Sequence[str] | None = None,
    path: str | Path | None = None,
    max_features: int = 16,
    cmap: str = "gray",
) -> Any:
    """A matplotlib figure with one row of prototypes and (optionally) rows of features, drawn as images.

    ``prototypes`` / ``features``: :class:`DataDomainParameter` or tensors ``(n, ...)`` reshaped to ``shape``.
    Saves a PNG when ``path`` is given. Returns the figure.
    """
    try:
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover
        raise ImportError("plot_prototypes needs matplotlib: pip install matplotlib") from err
    protos = _as_images(prototypes, shape)
    feats = _as_images(features, shape)[:max_features] if features is not None else None
    cols = max(protos.shape[0], 1 if feats is None else min(feats.shape[0], protos.shape[0]))
    feat_rows = 0 if feats is None else math.ceil(feats.shape[0] / cols)
    rows = 1 + feat_rows
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i in range(protos.shape[0]):
        axes[0][i].imshow(protos[i].numpy(), cmap=cmap)
        axes[0][i].set_title(titles[i] if titles is not None else f"p{i}", fontsize=7)
    if feats is not None:
        for j in range(feats.shape[0]):
            ax = axes[1 + j // cols][j % cols]
            ax.imshow(feats[j].numpy(), cmap=cmap)
            ax.set_title(f"f{j}", fontsize=7)
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig
