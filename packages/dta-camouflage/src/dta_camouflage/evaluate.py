"""Evaluation on the true (non-differentiable) renderer, and through a differentiable proxy for the gap."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from dta_camouflage.data import SceneBatch, render_textured
from dta_camouflage.detector import check_scores
from dta_camouflage.projection import check_tile, project_texture
from dta_camouflage.render import ToyCarRenderer


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")


def detection_rate(scores: torch.Tensor, threshold: float = 0.5) -> float:
    """Fraction of scores above ``threshold`` (the car is detected).

    Args:
        scores: (N,) car confidences.
        threshold: detection threshold.

    Returns:
        The detection rate in [0, 1].
    """
    if not isinstance(scores, torch.Tensor) or scores.dim() != 1:
        got = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ValueError(f"scores must be a tensor of shape (N,), got {got}")
    if scores.numel() == 0:
        raise ValueError("scores must not be empty")
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold)):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    return float((scores > threshold).float().mean())


@torch.no_grad()
def _score(
    detector: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int
) -> torch.Tensor:
    out = [
        check_scores(detector(images[i : i + batch_size]), len(images[i : i + batch_size]))
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(out)


def evaluate_texture(
    tiles: np.ndarray | list[np.ndarray],
    scenes: SceneBatch,
    renderer: ToyCarRenderer,
    detector: Callable[[torch.Tensor], torch.Tensor],
    *,
    threshold: float = 0.5,
    batch_size: int = 256,
) -> dict[str, float]:
    """Render the car with ``tiles`` (one tile, or one per scene) in every scene with the TRUE renderer and score it.

    Args:
        tiles: (3, h, w) numpy tile(s) in [0, 1].
        scenes: the held-out scenes.
        renderer: the true renderer.
        detector: images -> car confidences.
        threshold: detection threshold.
        batch_size: detector batch size.

    Returns:
        ``{"detection_rate": ..., "mean_score": ...}``.
    """
    _check_batch_size(batch_size)
    images = render_textured(scenes.scenes, tiles, renderer).to(scenes.x_ref.device)
    s = _score(detector, images, batch_size)
    return {"detection_rate": detection_rate(s, threshold), "mean_score": float(s.mean())}


def proxy_scores(
    tile: torch.Tensor,
    scenes: SceneBatch,
    proxy: Callable[..., torch.Tensor],
    detector: Callable[[torch.Tensor], torch.Tensor],
    *,
    threshold: float = 0.5,
    batch_size: int = 256,
) -> dict[str, float]:
    """Detection rate and mean score of ``tile`` as the differentiable proxy renders it (what the attack sees).

    Args:
        tile: (3, h, w) torch tile in [0, 1].
        scenes: scenes with reference renders and G-buffers.
        proxy: the proxy renderer.
        detector: images -> car confidences.
        threshold: detection threshold.
        batch_size: batch size.

    Returns:
        ``{"detection_rate": ..., "mean_score": ...}``.
    """
    _check_batch_size(batch_size)
    check_tile(tile)
    out = []
    with torch.no_grad():
        for i in range(0, len(scenes), batch_size):
            b = scenes.subset(torch.arange(i, min(i + batch_size, len(scenes))))
            eta = project_texture(tile.to(b.x_ref), b.uv, b.mask)
            out.append(check_scores(detector(proxy(b.x_ref, eta, b.mask, b.normals)), len(b)))
    s = torch.cat(out)
    return {"detection_rate": detection_rate(s, threshold), "mean_score": float(s.mean())}
