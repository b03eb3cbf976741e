"""Class splits of the paper (Sec. 3): two disjoint halves A and B of the label set, and task subsets.

The official code draws ``A = numpy.random.choice(classes, |K|/2, replace=False)`` under a numpy seed and
keeps the rest as ``B``; both halves are re-indexed ``0..k-1`` in sorted order of the original ids. The
"natural vs man-made" experiment uses a fixed semantic split instead: :func:`semantic_split`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from transferability._checks import check_seed, check_tensor

__all__ = ["contiguous_labels", "semantic_split", "split_classes", "stratified_indices", "subset"]


def _as_ids(classes: Any, name: str) -> list[int]:
    if isinstance(classes, torch.Tensor):
        classes = classes.tolist()
    if isinstance(classes, (str, bytes)) or not isinstance(
        classes, (Sequence, set, frozenset, np.ndarray, range)
    ):
        raise TypeError(f"{name} must be a sequence of int class ids, got {type(classes).__name__}")
    if not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in classes):
        raise TypeError(f"{name} must hold int class ids, got {list(classes)[:10]}")
    ids = [int(c) for c in classes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{name} must not repeat a class id, got {sorted(ids)}")
    return ids


def split_classes(
    classes: Sequence[int] | int, seed: int, *, n_a: int | None = None
) -> tuple[list[int], list[int]]:
    """Split the class ids into two disjoint halves ``(A, B)``, each sorted (paper Sec. 3, "random A/B splits").

    Args:
        classes: the class ids, or an int ``K`` for ``range(K)``.
        seed: numpy seed of the split (the official code used 0..3); the same seed gives the same split.
        n_a: size of ``A`` (default ``floor(|K| / 2)``); ``B`` is the rest.

    Returns:
        ``(A, B)``: two sorted lists of class ids, disjoint, whose union is ``classes``.
    """
    ids = list(range(classes)) if isinstance(classes, int) else _as_ids(classes, "classes")
    ids = sorted(ids)
    check_seed("seed", seed)
    k = len(ids)
    n_a = k // 2 if n_a is None else int(n_a)
    if n_a < 2 or k - n_a < 2:
        raise ValueError(
            f"each half needs at least 2 classes: classes has {k} ids and n_a={n_a} gives halves of "
            f"{n_a} and {k - n_a}"
        )
    rng = np.random.RandomState(int(seed))
    chosen = rng.choice(k, n_a, replace=False)
    a = sorted(ids[i] for i in chosen)
    b = sorted(set(ids) - set(a))
    return a, b


def semantic_split(classes: Sequence[int] | int, group_a: Sequence[int]) -> tuple[list[int], list[int]]:
    """A fixed, user-declared split, like the paper's natural (449 classes) vs man-made (551) halves (Sec. 4.2).

    Args:
        classes: all class ids, or an int ``K`` for ``range(K)``.
        group_a: the ids of task ``A`` (e.g. the natural classes); ``B`` is every other id of ``classes``.

    Returns:
        ``(A, B)``: two sorted lists of class ids.
    """
    ids = set(range(classes)) if isinstance(classes, int) else set(_as_ids(classes, "classes"))
    a = set(_as_ids(group_a, "group_a"))
    unknown = sorted(a - ids)
    if unknown:
        raise ValueError(f"group_a names ids that are not in classes: {unknown[:10]}")
    b = ids - a
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"each half needs at least 2 classes, got |A|={len(a)} and |B|={len(b)}")
    return sorted(a), sorted(b)


def contiguous_labels(y: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """Labels re-indexed to ``0..K-1`` (sorted order of the original ids), with a warning when they were not.

    Args:
        y: integer labels, shape ``(N,)``.

    Returns:
        ``(y_reindexed, original_ids)``.
    """
    if not isinstance(y, torch.Tensor) or y.dim() != 1:
        raise ValueError(f"y must be a 1-d tensor of integer labels, got {type(y).__name__}")
    if y.is_floating_point() or y.is_complex():
        raise ValueError(f"y must hold integer labels, got dtype {y.dtype}")
    ids = torch.unique(y).tolist()
    if ids != list(range(len(ids))):
        warnings.warn(
            f"labels are not the contiguous integers 0..{len(ids) - 1} (got {ids[:10]}...); re-indexed in "
            "sorted order",
            UserWarning,
            stacklevel=2,
        )
        y = torch.searchsorted(torch.as_tensor(ids, device=y.device), y)
    return y.long(), [int(i) for i in ids]


def subset(X: torch.Tensor, y: torch.Tensor, classes: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """The rows of one task: samples whose label is in ``classes``, labels re-indexed ``0..k-1`` in sorted order.

    Args:
        X: inputs, first dimension ``N``.
        y: integer labels, shape ``(N,)``.
        classes: the task's class ids (e.g. ``A`` from :func:`split_classes`).

    Returns:
        ``(X_task, y_task)`` with ``y_task`` in ``0..len(classes)-1``.
    """
    check_tensor("X", X)
    check_tensor("y", y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    ids = torch.as_tensor(sorted(_as_ids(classes, "classes")), device=y.device, dtype=torch.long)
    absent = sorted(set(ids.tolist()) - set(torch.unique(y).tolist()))
    if absent:
        raise ValueError(f"classes names ids that no sample of y has: {absent[:10]}")
    mask = torch.isin(y, ids)
    return X[mask], torch.searchsorted(ids, y[mask])


def stratified_indices(y: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Split sample indices per class into ``(train, held_out)``; ``round(fraction * n_c)`` of each class held out.

    Args:
        y: integer labels, shape ``(N,)``.
        fraction: share of each class that is held out, in ``(0, 1)``.
        seed: numpy seed of the shuffle.

    Returns:
        ``(train_idx, held_idx)``: sorted index tensors.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    check_tensor("y", y)
    check_seed("seed", seed)
    labels = y.detach().cpu().numpy()
    rng = np.random.RandomState(int(seed))
    held = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        k = int(round(fraction * len(idx)))
        if k < 1 or k >= len(idx):
            raise ValueError(
                f"class {int(c)} has {len(idx)} samples: a held-out fraction of {fraction} leaves it without "
                "a training or a validation sample"
            )
        held.append(idx[:k])
    held_idx = np.sort(np.concatenate(held))
    train_idx = np.setdiff1d(np.arange(len(labels)), held_idx)
    return torch.as_tensor(train_idx), torch.as_tensor(held_idx)
