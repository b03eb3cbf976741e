"""Data sets and baseline runners shared by the studies (scikit-learn's bundled sets and generated blobs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

# name -> (what it is) ; the spec's CPU table uses exactly these preprocessings
DATASETS = {
    "digits": "digits (X/16)",
    "iris": "iris (raw)",
    "iris_std": "iris (standardised)",
    "wine_std": "wine (standardised)",
    "wine": "wine (raw)",
    "blobs5": "blobs 3000x10, 5 centres, std 2.0",
    "blobs8": "blobs 3000x2, 8 centres, std 1.5, box +-10",
}


def load(name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """``(X float64, y, n_classes)`` of a data set of :data:`DATASETS`."""
    from sklearn import datasets

    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {name!r}")
    if name == "digits":
        X, y = datasets.load_digits(return_X_y=True)
        X = X / 16.0
    elif name.startswith("iris"):
        X, y = datasets.load_iris(return_X_y=True)
    elif name.startswith("wine"):
        X, y = datasets.load_wine(return_X_y=True)
    elif name == "blobs5":
        X, y = datasets.make_blobs(3000, n_features=10, centers=5, cluster_std=2.0, random_state=0)
    else:
        X, y = datasets.make_blobs(
            3000, n_features=2, centers=8, cluster_std=1.5, center_box=(-10.0, 10.0), random_state=0
        )
    X = np.asarray(X, dtype=np.float64)
    if name.endswith("_std"):
        X = (X - X.mean(0)) / X.std(0)
    return X, np.asarray(y), int(len(np.unique(y)))


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def inertia(X: np.ndarray, centers: np.ndarray) -> float:
    d = (X * X).sum(1)[:, None] - 2 * X @ centers.T + (centers * centers).sum(1)[None]
    return float(np.maximum(d, 0).min(1).sum())
