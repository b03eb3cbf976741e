"""Offline data of the reproduction: scikit-learn's digits (through ``paperzoo_shared.data``), a torch-only
synthetic set, and (full preset) MNIST / CIFAR read from a local torchvision folder. Nothing is downloaded."""

from __future__ import annotations

import os

import torch

from paperzoo_shared.data import digits

__all__ = ["digits_split", "local_torchvision", "synthetic_shapes"]


def digits_split(
    seed: int = 0, test_size: float = 0.3, *, images: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits / 16, each class split on its own (``splitter="per-class"``, the committed results' split).

    Returns ``X_train, y_train, X_test, y_test``; X is ``(N, 64)``, or ``(N, 1, 8, 8)`` with ``images``.
    """
    return digits(test_size=test_size, seed=seed, splitter="per-class", images=images)


def synthetic_shapes(
    n: int = 512, *, size: int = 16, classes: int = 10, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """A torch-only toy image set ``(N, 1, size, size)``: class ``c`` is a bright bar at a class-specific
    position and orientation plus Gaussian noise (for smoke tests without scikit-learn)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    X = 0.3 * torch.randn(n, 1, size, size, generator=g)
    for c in range(classes):
        pos = (c // 2) * size // max(classes // 2, 1) % size
        sel = y == c
        if c % 2 == 0:
            X[sel, 0, pos : pos + 2, :] += 1.0
        else:
            X[sel, 0, :, pos : pos + 2] += 1.0
    perm = torch.randperm(n, generator=g)
    return X[perm], y[perm]


def local_torchvision(name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``mnist`` / ``cifar10`` / ``cifar100`` from the folder in ``NOPROP_DATA_ROOT`` (torchvision layout,
    already downloaded; nothing is fetched). Returns ``X_train, y_train, X_test, y_test``: float tensors in
    [0, 1], NCHW, and int64 labels."""
    cls_names = ("mnist", "cifar10", "cifar100")
    if name not in cls_names:
        raise ValueError(f"name must be one of {sorted(cls_names)}, got {name!r}")
    root = os.environ.get("NOPROP_DATA_ROOT")
    if not root:
        raise RuntimeError(
            f"the {name!r} dataset is read from a local torchvision folder: set NOPROP_DATA_ROOT "
            "(nothing is downloaded at run time)"
        )
    try:
        from torchvision import datasets
    except ImportError as err:  # pragma: no cover - optional
        raise RuntimeError("the full preset needs torchvision (pip install torchvision)") from err
    cls = {"mnist": datasets.MNIST, "cifar10": datasets.CIFAR10, "cifar100": datasets.CIFAR100}
    out = []
    for train in (True, False):
        ds = cls[name](root, train=train, download=False)
        data = torch.as_tensor(ds.data).float() / 255.0
        data = data.unsqueeze(1) if data.ndim == 3 else data.permute(0, 3, 1, 2)
        out.append((data, torch.as_tensor(ds.targets, dtype=torch.long)))
    (xtr, ytr), (xte, yte) = out
    return xtr, ytr, xte, yte
