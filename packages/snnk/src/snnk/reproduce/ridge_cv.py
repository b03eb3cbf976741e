"""The ridge-alpha search every closed-form model of the ``bundled`` study gets alike (SNNK towers and the
scikit-learn random-feature peers): 3-fold CV on a fixed feature transform, then one timed final fit."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch


class TowerTransform:
    """The fixed input tower of a bundled estimator as a fit/transform object (for the alpha search)."""

    def __init__(self, est: Any) -> None:
        self.est = est

    def fit(self, x: np.ndarray) -> TowerTransform:
        self.est.tower_ = self.est._build_tower(x.shape[1])
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return self.est._features(x).numpy()


def tower_of(est: Any) -> TowerTransform:
    """A transform with ``est``'s input tower (on a copy of ``est``)."""
    return TowerTransform(copy.deepcopy(est))


def cv_alpha(
    make_transform: Callable[[], Any],
    x: np.ndarray,
    y: np.ndarray,
    alphas: Sequence[float],
    *,
    classify: bool,
    seed: int,
) -> float:
    """3-fold CV of the ridge alpha on a feature transform (one eigendecomposition per fold serves all alphas)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if classify:
        onehot = np.zeros((len(y), int(y.max()) + 1))
        onehot[np.arange(len(y)), y] = 1.0
        target = onehot
        folds = StratifiedKFold(3, shuffle=True, random_state=seed).split(x, y)
    else:
        target = y.reshape(len(y), -1).astype(np.float64)
        folds = KFold(3, shuffle=True, random_state=seed).split(x)
    errors = np.zeros(len(alphas))
    for tr, va in folds:
        t = make_transform().fit(x[tr])
        f_tr = torch.as_tensor(t.transform(x[tr]), dtype=torch.float64)
        f_va = torch.as_tensor(t.transform(x[va]), dtype=torch.float64)
        mu, ymu = f_tr.mean(0), torch.as_tensor(target[tr]).mean(0)
        fc, yc = f_tr - mu, torch.as_tensor(target[tr]) - ymu
        evals, evecs = torch.linalg.eigh(fc.T @ fc)
        proj = evecs.T @ (fc.T @ yc)
        for i, alpha in enumerate(alphas):
            coef = evecs @ (proj / (evals.clamp_min(0) + alpha).unsqueeze(-1))
            pred = ((f_va - mu) @ coef + ymu).numpy()
            if classify:
                errors[i] += float((pred.argmax(1) != y[va]).mean())
            else:
                errors[i] += float(((pred - target[va]) ** 2).mean())
    return float(alphas[int(np.argmin(errors))])


def select_and_fit(
    est: Any,
    make_transform: Callable[[], Any],
    param: str,
    x: np.ndarray,
    y: np.ndarray,
    alphas: Sequence[float],
    *,
    classify: bool,
    seed: int,
) -> tuple[Any, float]:
    """Set ``est``'s ``param`` to the CV-selected alpha, fit it on all of ``x``; returns it and the fit time."""
    alpha = cv_alpha(make_transform, x, y, alphas, classify=classify, seed=seed)
    est.set_params(**{param: alpha})
    t0 = time.perf_counter()
    est.fit(x, y)
    return est, time.perf_counter() - t0
