"""A small "car present" detector trained from scratch on renderer images (the attacked model).

The paper attacks real object detectors (pre-NMS car confidence); here the detector is a small CNN classifier
whose sigmoid output is the car confidence s. Any callable ``images (B, 3, H, W) in [0, 1] -> scores (B,)``
can be attacked instead (see :func:`check_scores`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from dta_camouflage.training import fit


class CarClassifier(nn.Module):
    """Three conv blocks, global average pooling and a linear layer -> one car logit per image.

    Args:
        widths: channels of the three (or more) conv blocks; all but the last are followed by 2x max pooling.
        batch_norm: conv -> BatchNorm -> ReLU (the cpu protocol; without it the pilot detector reached only
            71 % clean accuracy in its 6-epoch budget).
    """

    def __init__(self, *, widths: Sequence[int] = (16, 32, 64), batch_norm: bool = True) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) < 1 or any(w < 1 for w in widths):
            raise ValueError(f"widths must be positive ints, got {widths}")
        self.widths = widths
        self.batch_norm = bool(batch_norm)
        layers: list[nn.Module] = []
        cin = 3
        for i, w in enumerate(widths):
            layers.append(nn.Conv2d(cin, w, 3, padding=1))
            if self.batch_norm:
                layers.append(nn.BatchNorm2d(w))
            layers.append(nn.ReLU())
            if i < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
            cin = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, 1)

    def extra_repr(self) -> str:
        return f"widths={self.widths}, batch_norm={self.batch_norm}"

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Car logits.

        Args:
            images: (B, 3, H, W) in [0, 1].

        Returns:
            (B,) logits.
        """
        if not isinstance(images, torch.Tensor):
            raise TypeError(
                f"images must be a torch.Tensor of shape (B, 3, H, W), got {type(images).__name__}"
            )
        w = self.fc.weight
        if images.device != w.device:
            raise ValueError(
                f"images are on device {images.device} but the model is on {w.device}; use images.to({str(w.device)!r})"
            )
        if images.dtype != w.dtype:
            raise TypeError(
                f"images dtype {images.dtype} differs from the model's {w.dtype}; convert with images.to({w.dtype})"
            )
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"images must be (B, 3, H, W), got {tuple(images.shape)}")
        x = self.features((images - 0.5) / 0.25)
        return self.fc(x.mean((2, 3)))[:, 0]

    def score(self, images: torch.Tensor) -> torch.Tensor:
        """Car confidence s = sigmoid(logit) in [0, 1], shape (B,).

        Args:
            images: (B, 3, H, W) in [0, 1].

        Returns:
            (B,) probabilities.
        """
        return torch.sigmoid(self(images))


def train_detector(
    model: CarClassifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int = 8,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    checkpoint: str | Path | None = None,
) -> list[float]:
    """Train the classifier with binary cross-entropy.

    Args:
        model: the classifier (on its device).
        images: (N, 3, H, W) in [0, 1].
        labels: (N,) 1 for car, 0 otherwise.
        epochs: passes over the data.
        lr: Adam learning rate.
        batch_size: minibatch size.
        seed: shuffling seed.
        checkpoint: optional path for atomic per-epoch checkpoints (resumed exactly).

    Returns:
        The mean loss of every epoch.
    """
    for name, t in (("images", images), ("labels", labels)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels must have shape ({images.shape[0]},), got {tuple(labels.shape)}")

    if not bool(((labels == 0) | (labels == 1)).all()):
        raise ValueError("labels must be 0 (no car) or 1 (car); found other values (or NaN)")
    if images.is_floating_point() and not bool(torch.isfinite(images).all()):
        raise ValueError("images contain NaN or inf (non-finite values poison the training)")

    def loss(m: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.binary_cross_entropy_with_logits(m(x), y.to(x.dtype))

    return fit(
        model,
        [images, labels],
        loss,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        checkpoint=checkpoint,
    )


def check_scores(scores: torch.Tensor, batch: int, *, expects_probabilities: bool = True) -> torch.Tensor:
    """Validate a detector's output: shape (batch,), finite, and within [0, 1] if they are probabilities.

    Args:
        scores: what the detector returned.
        batch: the number of images given to it.
        expects_probabilities: require values in [0, 1].

    Returns:
        ``scores`` unchanged.
    """
    if not isinstance(scores, torch.Tensor) or scores.shape != (batch,):
        shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ValueError(f"detector must return scores of shape ({batch},), got {shape}")
    with torch.no_grad():
        if not torch.isfinite(scores).all():
            raise ValueError("detector returned NaN or inf scores")
        if expects_probabilities and (scores.min() < 0 or scores.max() > 1):
            raise ValueError(
                f"detector scores must lie in [0, 1] (probabilities), got [{float(scores.min()):.3g}, "
                f"{float(scores.max()):.3g}]; apply a sigmoid or pass expects_probabilities=False"
            )
    return scores
