"""Offline datasets as tensors: scikit-learn's bundled sets, stratified splits, an imbalance maker and the
standard synthetic sets (XOR, spirals, blobs). Nothing here downloads anything.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BUNDLED = ("digits", "breast_cancer", "iris", "wine", "diabetes")


def _torch():
    import torch

    return torch


def load_sklearn(name: str, *, dtype: Any = None, standardize: bool = False) -> tuple[Any, Any]:
    """One of scikit-learn's bundled datasets as ``(X, y)`` tensors: X float32 (or ``dtype``), y int64 for
    classification sets and float for ``diabetes``. ``standardize`` scales each feature to zero mean and unit
    variance over the whole set (for proper evaluation fit the scaler on the training split instead).
    """
    from sklearn import datasets

    loaders = {
        "digits": datasets.load_digits,
        "breast_cancer": datasets.load_breast_cancer,
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "diabetes": datasets.load_diabetes,
    }
    if name not in loaders:
        raise ValueError(f"name must be one of {', '.join(BUNDLED)}, got {name!r}")
    torch = _torch()
    X, y = loaders[name](return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    if standardize:
        X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    dtype = dtype or torch.float32
    Xt = torch.as_tensor(X, dtype=dtype)
    yt = torch.as_tensor(y, dtype=dtype) if name == "diabetes" else torch.as_tensor(y, dtype=torch.long)
    return Xt, yt


def _as_numpy(a: Any) -> np.ndarray:
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def stratified_split(X: Any, y: Any, test_size: float = 0.2, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    """``X_train, X_test, y_train, y_test`` with each class split in the same proportion (rounded per class).

    Works on tensors or arrays and returns the same kind it was given.
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    y_np = _as_numpy(y)
    if len(y_np) != len(X):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y_np)}")
    rng = np.random.default_rng(seed)
    test_idx = []
    for cls in np.unique(y_np):
        idx = np.flatnonzero(y_np == cls)
        rng.shuffle(idx)
        test_idx.append(idx[: int(round(test_size * len(idx)))])
    test = np.sort(np.concatenate(test_idx))
    train = np.setdiff1d(np.arange(len(y_np)), test)
    return _take(X, train), _take(X, test), _take(y, train), _take(y, test)


def _take(a: Any, idx: np.ndarray) -> Any:
    if hasattr(a, "detach"):
        return a[_torch().as_tensor(idx, dtype=_torch().long, device=a.device)]
    return np.asarray(a)[idx]


def make_imbalanced(X: Any, y: Any, ratio: float, seed: int = 0, positive: int = 1) -> tuple[Any, Any]:
    """Subsample the ``positive`` class so that it has ``round(ratio * n_negative)`` rows (binary labels).

    ``ratio`` is positives per negative (the AnyLoss paper's "malignant = 10% of benign" is ``ratio=0.1``).
    Row order is kept; the chosen positives are drawn without replacement with ``seed``.
    """
    if ratio <= 0:
        raise ValueError(f"ratio must be > 0, got {ratio}")
    y_np = _as_numpy(y)
    values = set(np.unique(y_np).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"make_imbalanced expects binary labels in {{0, 1}}, got values {sorted(values)}")
    pos = np.flatnonzero(y_np == positive)
    neg = np.flatnonzero(y_np != positive)
    k = int(round(ratio * len(neg)))
    if k > len(pos):
        raise ValueError(f"ratio={ratio} needs {k} positives but only {len(pos)} exist")
    rng = np.random.RandomState(seed)
    keep_pos = rng.choice(pos, size=k, replace=False)
    keep = np.sort(np.concatenate([neg, keep_pos]))
    return _take(X, keep), _take(y, keep)


def make_xor(n: int = 400, *, noise: float = 0.1, seed: int = 0, dtype: Any = None) -> tuple[Any, Any]:
    """Points around the four corners of [-1, 1]^2; label 1 where the signs of the two coordinates differ."""
    torch = _torch()
    g = torch.Generator().manual_seed(seed)
    corners = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    idx = torch.randint(0, 4, (n,), generator=g)
    X = corners[idx] + noise * torch.randn(n, 2, generator=g)
    y = (corners[idx, 0] * corners[idx, 1] < 0).long()
    return X.to(dtype or torch.float32), y


def make_spirals(
    n: int = 400,
    *,
    n_classes: int = 2,
    noise: float = 0.1,
    turns: float = 1.5,
    seed: int = 0,
    dtype: Any = None,
) -> tuple[Any, Any]:
    """Interleaved Archimedean spirals in 2-d, ``n`` points split evenly over ``n_classes`` arms."""
    torch = _torch()
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % n_classes
    t = torch.rand(n, generator=g) * turns * 2 * torch.pi
    r = t / (turns * 2 * torch.pi)
    angle = t + 2 * torch.pi * y / n_classes
    X = (
        torch.stack([r * torch.cos(angle), r * torch.sin(angle)], 1)
        + noise * torch.randn(n, 2, generator=g) * 0.1
    )
    return X.to(dtype or torch.float32), y.long()


def make_blobs(
    n: int = 400,
    *,
    n_classes: int = 3,
    dim: int = 2,
    spread: float = 1.0,
    sep: float = 4.0,
    seed: int = 0,
    dtype: Any = None,
) -> tuple[Any, Any]:
    """Isotropic Gaussian blobs with centres drawn uniformly in ``[-sep, sep]^dim``, balanced classes."""
    torch = _torch()
    g = torch.Generator().manual_seed(seed)
    centres = (torch.rand(n_classes, dim, generator=g) * 2 - 1) * sep
    y = torch.arange(n) % n_classes
    X = centres[y] + spread * torch.randn(n, dim, generator=g)
    return X.to(dtype or torch.float32), y.long()
