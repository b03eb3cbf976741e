"""The expectation-over-transformation camouflage attack through a differentiable proxy (DTA, Sec. 3.3).

The tile eta_b = sigmoid(P) is projected into each sampled scene t_k, rendered by the proxy (the DTN for DTA,
the naive or ratio renderer for the baselines), scored by the frozen detector, and P follows Adam on
L = mean_k -log(1 - s_k + 1e-6) + lambda_TV * TV(eta_b).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import torch
from torch import nn

from dta_camouflage.data import SceneBatch, check_tile_shape
from dta_camouflage.detector import check_scores
from dta_camouflage.projection import project_texture

LOSSES = ("neglog1m", "score")


def attack_loss(scores: torch.Tensor, kind: str = "neglog1m") -> torch.Tensor:
    """Mean attack loss over the EOT batch: -log(1 - s + 1e-6) ("neglog1m") or s itself ("score").

    Args:
        scores: (B,) car confidences in [0, 1].
        kind: ``"neglog1m"`` or ``"score"``.

    Returns:
        Scalar loss.
    """
    if kind not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {kind!r}")
    check_scores(scores, len(scores) if isinstance(scores, torch.Tensor) and scores.dim() == 1 else -1)
    return _attack_loss(scores, kind)


def _attack_loss(scores: torch.Tensor, kind: str) -> torch.Tensor:
    """:func:`attack_loss` without the checks (the attack validates the scores once per step already)."""
    if kind == "neglog1m":
        return -torch.log(1 - scores + 1e-6).mean()
    if kind == "score":
        return scores.mean()
    raise ValueError(f"loss must be one of {LOSSES}, got {kind!r}")


def total_variation(tile: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of neighbouring texels, with wrap-around (the tile repeats).

    Args:
        tile: (3, h, w) tile.

    Returns:
        Scalar TV penalty.
    """
    if not isinstance(tile, torch.Tensor) or tile.dim() != 3 or tile.shape[0] != 3:
        got = tuple(tile.shape) if isinstance(tile, torch.Tensor) else type(tile).__name__
        raise ValueError(f"tile must be a tensor of shape (3, h, w), got {got}")
    return ((tile - tile.roll(1, -1)) ** 2).mean() + ((tile - tile.roll(1, -2)) ** 2).mean()


@dataclasses.dataclass
class AttackResult:
    """The optimised tile (3, h, w) in [0, 1] and the loss of every step."""

    tile: torch.Tensor
    losses: list[float]


class CamouflageAttack:
    """EOT texture attack through a differentiable proxy renderer.

    Args:
        proxy: ``proxy(x_ref, eta_p, mask, normals) -> image`` (a :class:`~dta_camouflage.dtn.DTN`,
            :class:`~dta_camouflage.naive.NaiveRenderer` or :class:`~dta_camouflage.naive.RatioRenderer`).
        detector: ``images (B, 3, H, W) -> car confidence (B,)``.
        pool: the EOT pool of scenes (reference renders and G-buffers).
        tile_shape: (h, w) of the repeated tile.
        steps: Adam steps.
        lr: Adam learning rate on the logits P.
        batch_size: scenes per step (sampled from the pool without replacement).
        tv_weight: weight of the total-variation term.
        loss: ``"neglog1m"`` (spec) or ``"score"``.
        init_std: standard deviation of the initial logits P.
        expects_probabilities: check that the detector's scores lie in [0, 1].
    """

    def __init__(
        self,
        proxy: Callable[..., torch.Tensor],
        detector: Callable[[torch.Tensor], torch.Tensor],
        pool: SceneBatch,
        *,
        tile_shape: tuple[int, int] = (8, 8),
        steps: int = 200,
        lr: float = 0.05,
        batch_size: int = 16,
        tv_weight: float = 1e-3,
        loss: str = "neglog1m",
        init_std: float = 0.5,
        expects_probabilities: bool = True,
    ) -> None:
        for name, fn in (("proxy", proxy), ("detector", detector)):
            if not callable(fn):
                raise TypeError(f"{name} must be callable (a module or a function), got {type(fn).__name__}")
        if len(pool) == 0:
            raise ValueError("pool must not be empty")
        if not 1 <= batch_size <= len(pool):
            raise ValueError(f"batch_size must be in [1, len(pool)={len(pool)}], got {batch_size}")
        check_tile_shape(tile_shape)
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise ValueError(f"steps must be an int >= 0, got {steps!r}")
        if not all(math.isfinite(v) for v in (lr, tv_weight, init_std)):
            raise ValueError(f"lr, tv_weight and init_std must be finite, got {lr}, {tv_weight}, {init_std}")
        if steps < 0 or lr <= 0 or tv_weight < 0 or init_std < 0:
            raise ValueError(
                f"need steps >= 0, lr > 0, tv_weight >= 0, init_std >= 0; got {steps}, {lr}, {tv_weight}, {init_std}"
            )
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        self.proxy, self.detector, self.pool = proxy, detector, pool
        self.tile_shape = (int(tile_shape[0]), int(tile_shape[1]))
        self.steps, self.lr, self.batch_size = steps, lr, batch_size
        self.tv_weight, self.loss, self.init_std = tv_weight, loss, init_std
        self.expects_probabilities = expects_probabilities

    def run(self, seed: int = 0) -> AttackResult:
        """Optimise the tile.

        Args:
            seed: seeds the initial logits and the scene sampling.

        Returns:
            An :class:`AttackResult`.
        """
        owners = (self.proxy, self.detector, getattr(self.detector, "__self__", None))  # bound .score too
        for m in owners:
            if isinstance(m, nn.Module):
                m.eval()
                m.requires_grad_(False)
        device = self.pool.x_ref.device
        gen = torch.Generator().manual_seed(seed)
        logits = (
            (self.init_std * torch.randn(3, *self.tile_shape, generator=gen)).to(device).requires_grad_(True)
        )
        opt = torch.optim.Adam([logits], lr=self.lr)
        losses = []
        for _ in range(self.steps):
            idx = torch.randperm(len(self.pool), generator=gen)[: self.batch_size]
            b = self.pool.subset(idx)
            tile = torch.sigmoid(logits)
            eta = project_texture(tile, b.uv, b.mask)
            scores = check_scores(
                self.detector(self.proxy(b.x_ref, eta, b.mask, b.normals)),
                len(idx),
                expects_probabilities=self.expects_probabilities,
            )
            loss = _attack_loss(scores, self.loss) + self.tv_weight * total_variation(tile)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return AttackResult(tile=torch.sigmoid(logits).detach(), losses=losses)
