"""Clustering metrics of the paper's tables: accuracy after Hungarian matching, NMI and ARI."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

__all__ = ["clustering_accuracy", "evaluate", "match_labels"]


def _labels(y: Any, name: str) -> np.ndarray:
    a = np.asarray(y)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf labels")
    return a


def match_labels(y_true: Any, y_pred: Any) -> dict[Any, Any]:
    """The one-to-one map cluster -> class that maximises agreement (Hungarian algorithm on the confusion
    matrix). Clusters left without a class (more clusters than classes) are not in the map.

    Args:
        y_true: true classes, shape (n,).
        y_pred: cluster labels, shape (n,).

    Returns:
        Dict ``{cluster: class}``.
    """
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {t.shape[0]} and {p.shape[0]}")
    classes, ti = np.unique(t, return_inverse=True)
    clusters, pi = np.unique(p, return_inverse=True)
    conf = np.zeros((len(clusters), len(classes)), dtype=np.int64)
    np.add.at(conf, (pi, ti), 1)
    rows, cols = linear_sum_assignment(-conf)
    return {clusters[r].item(): classes[c].item() for r, c in zip(rows, cols, strict=True)}


def clustering_accuracy(y_true: Any, y_pred: Any) -> float:
    """ACC = max over one-to-one maps m of ``1/n sum_i [y_i = m(c_i)]`` (Hungarian matching).

    Args:
        y_true: true classes, shape (n,).
        y_pred: cluster labels, shape (n,).

    Returns:
        Accuracy in [0, 1].
    """
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    m = match_labels(t, p)
    if len(t) == 0:
        raise ValueError("y_true is empty")
    hits = sum(int(np.sum((p == c) & (t == k))) for c, k in m.items())
    return hits / len(t)


def evaluate(y_true: Any, y_pred: Any) -> dict[str, float]:
    """ACC, NMI (arithmetic normalisation) and ARI of a clustering.

    Args:
        y_true: true classes, shape (n,).
        y_pred: cluster labels, shape (n,).

    Returns:
        ``{"acc": ..., "nmi": ..., "ari": ...}``.
    """
    return {
        "acc": clustering_accuracy(y_true, y_pred),
        "nmi": float(normalized_mutual_info_score(y_true, y_pred)),
        "ari": float(adjusted_rand_score(y_true, y_pred)),
    }
