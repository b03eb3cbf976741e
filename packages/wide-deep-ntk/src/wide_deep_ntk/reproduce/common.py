"""Shared pieces of the studies: the Dirichlet splits, the baselines and the deep-kernel predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from wide_deep_ntk import (
    PAPER_CONFIGS,
    HilbertKernelClassifier,
    InfiniteDepthKernelClassifier,
    dirichlet_bayes_predict,
    dirichlet_split,
    solve_kernel_system,
)

KNN_GRID = (1, 3, 5, 9, 15, 25, 41, 65, 101)
"""k-NN baseline: k chosen by 5-fold CV on the training set from this grid (the planner's stronger baseline)."""


def split(d: int, n_train: int, n_test: int, seed: int, prior: float = 0.4) -> dict[str, np.ndarray]:
    return dirichlet_split(n_train, n_test, d, prior_pos=prior, seed=seed)


def acc(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(pred == y))


def bayes_acc(D: dict[str, np.ndarray], d: int, prior: float = 0.4) -> float:
    a, b = PAPER_CONFIGS[d]
    return acc(dirichlet_bayes_predict(D["S_test"], a, b, prior), D["y_test"])


def baselines(D: dict[str, np.ndarray], seed: int) -> dict[str, float]:
    """Hilbert (exponent d - 1 on the sphere), 1-NN, k-NN with k by 5-fold CV, majority vote."""
    Xtr, ytr, Xte, yte = D["X_train"], D["y_train"], D["X_test"], D["y_test"]
    hil = HilbertKernelClassifier(normalize="sphere").fit(Xtr, ytr).predict(Xte)
    nn1 = KNeighborsClassifier(1).fit(Xtr, ytr).predict(Xte)
    grid = [k for k in KNN_GRID if k <= 0.8 * len(ytr)]
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    knn = GridSearchCV(KNeighborsClassifier(), {"n_neighbors": grid}, cv=cv).fit(Xtr, ytr)
    maj = np.full_like(yte, 1.0 if ytr.sum() > 0 else -1.0)
    return {
        "hilbert": acc(hil, yte),
        "one_nn": acc(nn1, yte),
        "knn_cv": acc(knn.predict(Xte), yte),
        "knn_k": float(knn.best_params_["n_neighbors"]),
        "majority": acc(maj, yte),
        "_one_nn_pred": nn1,  # type: ignore[dict-item]
    }


def deep_predict(
    D: dict[str, np.ndarray], activation: str, depth: int, kernel: str, limit: bool = False
) -> Any:
    clf = InfiniteDepthKernelClassifier(activation, depth, kernel=kernel, limit=limit, normalize="none")
    return clf.fit(D["X_train"], D["y_train"]).predict(D["X_test"])


def path_predictions(K_all: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Binary interpolation predictions from the kernel between the n training points and [train; test]."""
    n = len(y)
    K = torch.as_tensor(K_all[:, :n])
    sol = solve_kernel_system(K, torch.as_tensor(y[:, None].astype(np.float64))).numpy()
    f = (K_all[:, n:].T @ sol)[:, 0]
    return np.where(f > 0, 1.0, -1.0)
