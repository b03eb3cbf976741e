"""The Differentiable Transformation Network (DTN) of DTA (Sec. 3.1 of the paper).

DTN(x_ref, eta_p, m) predicts how the object in the reference rendering x_ref would look with the projected
texture eta_p, keeping the scene's lighting, shadows and camera effects; the background is copied:
x_hat = m * y + (1 - m) * x_ref. Here an encoder-decoder with skips (a small U-Net) on the 7-channel input.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from dta_camouflage.training import fit


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU()
    )


class DTN(nn.Module):
    """Differentiable Transformation Network: a U-Net from (x_ref, eta_p, mask) to the re-textured image.

    Args:
        widths: channels per level; ``len(widths) - 1`` down-samplings by 2 (spec: 16-32-64, cpu preset 8-16-32).
        image_size: if given, checked to be divisible by ``2 ** (len(widths) - 1)``.
    """

    def __init__(self, *, widths: Sequence[int] = (16, 32, 64), image_size: int | None = None) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) < 1 or any(w < 1 for w in widths):
            raise ValueError(f"widths must be positive ints, got {widths}")
        self.widths = widths
        self.factor = 2 ** (len(widths) - 1)
        if image_size is not None and (image_size < self.factor or image_size % self.factor):
            raise ValueError(
                f"image_size must be a multiple of {self.factor} for widths {widths}, got {image_size}"
            )
        self.image_size = image_size
        self.down = nn.ModuleList()
        cin = 7
        for w in widths:
            self.down.append(_block(cin, w))
            cin = w
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in range(len(widths) - 1)
        )
        self.up_blocks = nn.ModuleList(_block(2 * widths[i], widths[i]) for i in range(len(widths) - 1))
        self.head = nn.Conv2d(widths[0], 3, 1)

    def extra_repr(self) -> str:
        return f"widths={self.widths}, image_size={self.image_size}"

    def forward(
        self, x_ref: torch.Tensor, eta: torch.Tensor, mask: torch.Tensor, normals: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Predict the rendering of the object with texture ``eta``.

        Args:
            x_ref: (B, 3, H, W) reference rendering in [0, 1] (object with the reference texture).
            eta: (B, 3, H, W) projected texture eta_p in [0, 1] (0 off the object).
            mask: (B, 1, H, W) object mask.
            normals: unused (same signature as the baseline proxies).

        Returns:
            (B, 3, H, W) image in [0, 1], equal to ``x_ref`` outside the mask.
        """
        for name, t in (("x_ref", x_ref), ("eta", eta), ("mask", mask)):
            if not isinstance(t, torch.Tensor):
                raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        wt = self.head.weight
        for name, t in (("x_ref", x_ref), ("eta", eta)):
            if t.device != wt.device:
                raise ValueError(
                    f"{name} is on device {t.device} but the DTN is on {wt.device}; use {name}.to({str(wt.device)!r})"
                )
            if t.dtype != wt.dtype:
                raise TypeError(
                    f"{name} dtype {t.dtype} differs from the DTN's {wt.dtype}; convert with {name}.to({wt.dtype})"
                )
        if x_ref.dim() != 4 or x_ref.shape[1] != 3 or eta.shape != x_ref.shape:
            raise ValueError(
                f"x_ref and eta must both be (B, 3, H, W), got {tuple(x_ref.shape)}, {tuple(eta.shape)}"
            )
        b, _, h, w = x_ref.shape
        if mask.shape != (b, 1, h, w):
            raise ValueError(f"mask must be ({b}, 1, {h}, {w}), got {tuple(mask.shape)}")
        if h % self.factor or w % self.factor:
            raise ValueError(f"image size must be a multiple of {self.factor}, got {h}x{w}")
        x = torch.cat([x_ref, eta, mask.to(x_ref.dtype)], 1)
        skips = []
        for i, block in enumerate(self.down):
            if i > 0:
                x = nn.functional.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        for i in reversed(range(len(self.ups))):
            x = self.ups[i](x)
            x = self.up_blocks[i](torch.cat([x, skips[i]], 1))
        y = torch.sigmoid(self.head(x))
        return mask * y + (1 - mask) * x_ref


def check_masked_pair(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> None:
    """``ValueError`` unless ``pred`` and ``target`` are ``(B, 3, H, W)`` of one shape and ``mask`` is
    ``(B, 1, H, W)`` (broadcasting would silently average the wrong pixels)."""
    if pred.dim() != 4 or pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape (B, 3, H, W), got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    b, _, h, w = pred.shape
    if mask.shape != (b, 1, h, w):
        raise ValueError(f"mask must have shape ({b}, 1, {h}, {w}), got {tuple(mask.shape)}")


def dtn_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, *, mse_weight: float = 0.5
) -> torch.Tensor:
    """Masked L1 + ``mse_weight`` * masked MSE over the object pixels (the spec's DTN training loss).

    Args:
        pred: (B, 3, H, W) prediction.
        target: (B, 3, H, W) true rendering.
        mask: (B, 1, H, W) object mask.
        mse_weight: weight of the squared term.

    Returns:
        The scalar loss.
    """
    check_masked_pair(pred, target, mask)
    if not (0 <= mse_weight < float("inf")):
        raise ValueError(f"mse_weight must be a finite number >= 0, got {mse_weight!r}")
    diff = (pred - target) * mask
    denom = (mask.sum() * 3).clamp_min(1.0)
    return diff.abs().sum() / denom + mse_weight * diff.pow(2).sum() / denom


def train_dtn(
    dtn: DTN,
    x_ref: torch.Tensor,
    eta: torch.Tensor,
    mask: torch.Tensor,
    target: torch.Tensor,
    *,
    epochs: int = 12,
    lr: float = 2e-3,
    batch_size: int = 32,
    seed: int = 0,
    checkpoint: str | Path | None = None,
) -> list[float]:
    """Fit ``dtn`` to (reference, projected texture, mask) -> true rendering pairs with :func:`dtn_loss`.

    Args:
        dtn: the network (on its device).
        x_ref: (N, 3, H, W) reference renderings.
        eta: (N, 3, H, W) projected textures.
        mask: (N, 1, H, W) masks.
        target: (N, 3, H, W) true renderings with the texture.
        epochs: passes over the pairs.
        lr: Adam learning rate.
        batch_size: minibatch size.
        seed: shuffling seed.
        checkpoint: optional path for atomic per-epoch checkpoints (resumed exactly).

    Returns:
        The mean loss of every epoch.
    """

    def loss(
        model: nn.Module, xr: torch.Tensor, e: torch.Tensor, m: torch.Tensor, t: torch.Tensor
    ) -> torch.Tensor:
        return dtn_loss(model(xr, e, m), t, m)

    return fit(
        dtn,
        [x_ref, eta, mask, target],
        loss,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        checkpoint=checkpoint,
    )


def masked_psnr(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> float:
    """PSNR in dB over the object pixels of all images together: 10 log10(1 / MSE_masked), images in [0, 1].

    Args:
        pred: (B, 3, H, W) prediction.
        target: (B, 3, H, W) reference truth.
        mask: (B, 1, H, W) object mask.

    Returns:
        The PSNR (inf for an exact match).
    """
    check_masked_pair(pred, target, mask)
    if not bool(mask.any()):
        raise ValueError("mask is empty (no object pixel): the masked PSNR is undefined")
    mse = (((pred - target) * mask) ** 2).sum() / (mask.sum() * 3).clamp_min(1.0)
    return float("inf") if float(mse) == 0.0 else float(-10 * torch.log10(mse))
