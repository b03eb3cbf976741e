"""The reproduction's datasets (all offline) and its cross-validation folds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from paperzoo_shared.data import make_imbalanced

DATASETS = ("synthetic", "breast_cancer", "digits3")
LARGE = ("synth1m_1pct", "synth1m_5pct", "synth1m_10pct")  # the full preset's 1M-row sets


def check_dataset(name: str, where: str) -> None:
    """Raise a ValueError naming ``where`` unless ``name`` is a dataset :func:`load_dataset` knows."""
    if not isinstance(name, str) or name not in (*DATASETS, *LARGE):
        raise ValueError(f"{where}: unknown dataset {name!r}; known: {', '.join((*DATASETS, *LARGE))}")


def load_dataset(name: str, synthetic_n: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` float64 / int64 for the spec's datasets.

    ``synthetic`` is the paper's dataset 1 (``make_classification``, 10% positives, PCA to 2-d) with
    ``synthetic_n`` rows; ``breast_cancer`` has malignant (target 0 in scikit-learn) as the positive class,
    subsampled to 10% of benign; ``digits3`` is digit 3 against the rest; ``synth1m_<k>pct`` are the full
    preset's 1M-row sets with k% positives.
    """
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification
    from sklearn.decomposition import PCA

    check_dataset(name, "load_dataset")
    if name == "synthetic":
        X, y = make_classification(
            n_samples=synthetic_n,
            n_classes=2,
            weights=[0.9, 0.1],
            class_sep=1.2,
            n_features=5,
            n_informative=3,
            n_redundant=1,
            n_clusters_per_class=1,
            random_state=0,
        )
        X = PCA(2).fit_transform(X)
    elif name in LARGE:
        pos = float(name.split("_")[1].removesuffix("pct")) / 100
        X, y = make_classification(
            n_samples=1_000_000,
            n_classes=2,
            weights=[1 - pos, pos],
            class_sep=1.2,
            n_features=20,
            n_informative=6,
            n_redundant=2,
            n_clusters_per_class=2,
            random_state=0,
        )
    elif name == "breast_cancer":
        X, t = load_breast_cancer(return_X_y=True)
        X, y = make_imbalanced(X, 1 - t, ratio=0.1, seed=100)  # round(0.1 n_benign) malignant rows
    else:  # digits3
        X, t = load_digits(return_X_y=True)
        y = (t == 3).astype(np.int64)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


class Fold(NamedTuple):
    seed: int
    number: int  # the fold's number within its seed (0 .. n_splits - 1)
    train: np.ndarray
    test: np.ndarray


def cv_folds(y: np.ndarray, n_splits: int, seeds: Sequence[int]) -> list[Fold]:
    """Stratified K-fold CV (shuffled with each seed) repeated over ``seeds``."""
    from sklearn.model_selection import StratifiedKFold

    out = []
    for seed in seeds:
        skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        out += [Fold(seed, i, tr, te) for i, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y))]
    return out
