"""Offline data of the reproductions: scikit-learn's bundled sets as tensors, the one digits loader, the
sequence tasks built on it (sequential / permuted digits, the adding problem), stratified splits and an
imbalance maker. Nothing here downloads anything.
"""

from __future__ import annotations

from typing import Any, Literal

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


Splitter = Literal["sklearn", "per-class"]


def _split(
    X: Any, y: Any, test_size: float | int, seed: int, splitter: Splitter
) -> tuple[Any, Any, Any, Any]:
    """``X_train, y_train, X_test, y_test`` by one of the two stratified splitters."""
    if splitter == "sklearn":
        from sklearn.model_selection import train_test_split

        idx = np.arange(len(X))
        tr, te = train_test_split(idx, test_size=test_size, stratify=_as_numpy(y), random_state=seed)
        return _take(X, tr), _take(y, tr), _take(X, te), _take(y, te)
    if splitter == "per-class":
        if not isinstance(test_size, float):
            raise ValueError(f"splitter='per-class' takes a fractional test_size, got {test_size!r}")
        Xtr, Xte, ytr, yte = stratified_split(X, y, test_size=test_size, seed=seed)
        return Xtr, ytr, Xte, yte
    raise ValueError(f"splitter must be 'sklearn' or 'per-class', got {splitter!r}")


def digits(
    *,
    test_size: float | int = 0.3,
    seed: int = 0,
    splitter: Splitter = "sklearn",
    images: bool = False,
    dtype: Any = None,
) -> tuple[Any, Any, Any, Any]:
    """scikit-learn's 8x8 digits (1797 images, 10 classes), pixels / 16, split stratified by class.

    Returns ``X_train, y_train, X_test, y_test``; X is ``(N, 64)`` (``(N, 1, 8, 8)`` with ``images``) in
    ``dtype`` (float32 by default), y int64. ``splitter="sklearn"`` is ``train_test_split(stratify=y,
    random_state=seed)`` (``test_size`` a fraction or a count); ``"per-class"`` is :func:`stratified_split`
    (each class rounded on its own). Both are kept because committed results were generated with each.
    """
    torch = _torch()
    X, y = load_sklearn("digits", dtype=torch.float64)
    X = (X / 16.0).to(dtype or torch.float32)
    Xtr, ytr, Xte, yte = _split(X, y, test_size, seed, splitter)
    if images:
        Xtr, Xte = Xtr.reshape(-1, 1, 8, 8), Xte.reshape(-1, 1, 8, 8)
    return Xtr, ytr, Xte, yte


def sequential_digits(
    *,
    permute: bool = False,
    seed: int = 0,
    test_size: float | int = 0.2,
    size: int = 8,
    splitter: Splitter = "per-class",
    permutation_rng: Literal["generator", "legacy"] = "generator",
) -> tuple[Any, Any, Any, Any]:
    """Digits scanned row by row as sequences of one pixel, the offline stand-in for sequential / permuted MNIST.

    Returns ``X_train (n, L, 1), y_train, X_test (m, L, 1), y_test`` with pixels in [0, 1] and ``L = size**2``
    (``size > 8`` upsamples the images bilinearly). ``permute`` applies one fixed pixel order drawn with
    ``seed`` (``permutation_rng="generator"``: ``np.random.default_rng``; ``"legacy"``: ``RandomState``, which
    layernorm's committed results used). ``seed`` also fixes the split (see :func:`digits`).
    """
    torch = _torch()
    if size < 8:
        raise ValueError(f"size must be >= 8 (the images are 8x8), got {size}")
    X, y = load_sklearn("digits")  # float32; / 16 is exact
    X = X / 16.0
    if size != 8:
        img = X.reshape(-1, 1, 8, 8)
        X = torch.nn.functional.interpolate(
            img, size=(size, size), mode="bilinear", align_corners=False
        ).reshape(len(X), -1)
    if permute:
        if permutation_rng == "generator":
            perm = np.random.default_rng(seed).permutation(X.shape[1])
        elif permutation_rng == "legacy":
            perm = np.random.RandomState(seed).permutation(X.shape[1])
        else:
            raise ValueError(f"permutation_rng must be 'generator' or 'legacy', got {permutation_rng!r}")
        X = X[:, torch.from_numpy(perm)]
    Xtr, ytr, Xte, yte = _split(X, y, test_size, seed, splitter)
    return Xtr[..., None], ytr, Xte[..., None], yte


def adding_problem(n: int, length: int, *, seed: int = 0) -> tuple[Any, Any]:
    """Hochreiter & Schmidhuber's adding problem: inputs ``(n, length, 2)``, values ~ U(0, 1) and a marker
    channel with one 1 in each half; target ``(n,)`` the sum of the two marked values (predicting the mean, 1,
    gives MSE 1/6)."""
    torch = _torch()
    if n < 1 or length < 2:
        raise ValueError(f"n must be >= 1 and length >= 2, got n={n}, length={length}")
    g = torch.Generator().manual_seed(seed)
    values = torch.rand(n, length, generator=g)
    first = torch.randint(0, length // 2, (n,), generator=g)
    second = torch.randint(length // 2, length, (n,), generator=g)
    rows = torch.arange(n)
    marker = torch.zeros(n, length)
    marker[rows, first] = 1.0
    marker[rows, second] = 1.0
    return torch.stack([values, marker], dim=-1), values[rows, first] + values[rows, second]
