"""Confusion-matrix metrics written in the four (soft) counts ``tn, fp, fn, tp`` (AnyLoss, Sec. 3.2: each metric's loss is ``1 - metric``).

Every function takes tensors of any (broadcastable) shape, so the same code scores one binary confusion matrix
(scalars) or ``K`` one-vs-rest matrices (shape ``(K,)``). With hard 0/1 counts they equal the usual metrics; with
the soft counts of :func:`anyloss.soft_confusion_matrix` they are differentiable. All of them are in [0, 1]
except :func:`mcc`, which is in [-1, 1].

Undefined cases (no positives, no predicted positives, ...) never produce NaN: ``eps`` keeps denominators
positive, and :func:`balanced_accuracy` / :func:`gmean` fall back to the class that exists.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = [
    "METRICS",
    "accuracy",
    "balanced_accuracy",
    "f1",
    "fbeta",
    "gmean",
    "mcc",
    "npv",
    "precision",
    "recall",
    "specificity",
]

Metric = Callable[..., Tensor]


def accuracy(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """Accuracy ``(TP + TN) / N``; ``N = TP + TN + FP + FN``."""
    return (tp + tn) / (tp + tn + fp + fn + eps)


def precision(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """Precision ``TP / (TP + FP)``."""
    return tp / (tp + fp + eps)


def recall(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """Recall (sensitivity, true-positive rate) ``TP / (TP + FN)``."""
    return tp / (tp + fn + eps)


def specificity(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """Specificity (true-negative rate) ``TN / (TN + FP)``."""
    return tn / (tn + fp + eps)


def npv(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """Negative predictive value ``TN / (TN + FN)``."""
    return tn / (tn + fn + eps)


def fbeta(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, beta: float = 1.0, eps: float = 1e-7) -> Tensor:
    """F-beta score ``(1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP)``.

    ``beta -> 0`` gives precision, ``beta -> inf`` recall; ``beta = 1`` is F1.
    """
    b2 = float(beta) ** 2
    return (1.0 + b2) * tp / ((1.0 + b2) * tp + b2 * fn + fp + eps)


def f1(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """F1 score ``2 TP / (2 TP + FN + FP)``."""
    return fbeta(tn, fp, fn, tp, beta=1.0, eps=eps)


def _rates(
    tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, eps: float
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    tpr = tp / (tp + fn + eps)
    tnr = tn / (tn + fp + eps)
    # a + (1 - a) > 0 for every sample, so a class is present exactly when its (weighted) count is > 0
    has_pos = (tp + fn) > 0
    has_neg = (tn + fp) > 0
    return tpr, tnr, has_pos, has_neg


def balanced_accuracy(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """Balanced accuracy ``(TPR + TNR) / 2``.

    In a batch without positives (or negatives) only the rate that exists is returned (no branch, no host sync).
    """
    tpr, tnr, has_pos, has_neg = _rates(tn, fp, fn, tp, eps)
    both = 0.5 * (tpr + tnr)
    return torch.where(has_pos & has_neg, both, torch.where(has_pos, tpr, tnr))


def gmean(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, root: bool = True, eps: float = 1e-7) -> Tensor:
    """Geometric mean ``sqrt(TPR * TNR)``; ``root=False`` gives the un-rooted ``TPR * TNR``.

    The un-rooted form (used in the authors' extension) has the same maximiser and a bounded gradient near 0.
    The root is taken as ``sqrt(x + eps^2)`` so its gradient stays finite at ``x = 0``. In a batch without
    positives (or negatives) only the rate that exists is returned.
    """
    tpr, tnr, has_pos, has_neg = _rates(tn, fp, fn, tp, eps)
    prod = tpr * tnr
    both = torch.sqrt(prod + eps * eps) if root else prod
    return torch.where(has_pos & has_neg, both, torch.where(has_pos, tpr, tnr))


def mcc(tn: Tensor, fp: Tensor, fn: Tensor, tp: Tensor, *, eps: float = 1e-7) -> Tensor:
    """Matthews correlation ``(TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))``, in [-1, 1].

    Not in the paper; any confusion-matrix metric fits the framework. Its loss is ``(1 - MCC) / 2`` (in [0, 1]).
    """
    num = tp * tn - fp * fn
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return num / (torch.sqrt(den + eps * eps) + eps)


METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "f1": f1,
    "fbeta": fbeta,
    "precision": precision,
    "recall": recall,
    "specificity": specificity,
    "npv": npv,
    "balanced_accuracy": balanced_accuracy,
    "gmean": gmean,
    "mcc": mcc,
}
"""Metric name -> function of ``(tn, fp, fn, tp)``. Aliases accepted by the losses: see ``anyloss.ALIASES``."""
