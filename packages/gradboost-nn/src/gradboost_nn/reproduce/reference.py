"""A scikit-learn-only re-implementation of the reference GBNN loop (GAA-UAM/GBNN), the peer of the side-by-side
comparison (``benchmarks/bench_gradboost_nn.py``).

The authors' package (``gbnn`` 0.0.2) cannot be installed any more (it depends on the retired ``sklearn``
PyPI name, and its positional ``MLPRegressor((J,), ...)`` call breaks on scikit-learn >= 1.x). This module
re-states its algorithm in a few lines with keyword arguments and a seeded subsample, so that our torch
implementation can be compared with "the official algorithm on scikit-learn's MLP" on the same folds.
Written from the algorithm's description, not copied.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.neural_network import MLPRegressor
from sklearn.utils import check_random_state

__all__ = ["ReferenceGBNN"]


class ReferenceGBNN:
    """Binary / multiclass / regression GBNN with scikit-learn ``MLPRegressor`` base learners."""

    def __init__(
        self,
        *,
        task: str,
        n_steps: int = 200,
        units_per_step: int = 1,
        learning_rate: float = 1.0,
        subsample: float = 0.5,
        max_iter: int = 200,
        activation: str = "logistic",
        random_state: int | None = None,
    ) -> None:
        if task not in ("classification", "regression"):
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        self.task = task
        self.n_steps = n_steps
        self.units_per_step = units_per_step
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.max_iter = max_iter
        self.activation = activation
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> ReferenceGBNN:
        rs = check_random_state(self.random_state)
        n = X.shape[0]
        if self.task == "classification":
            self.classes_, codes = np.unique(y, return_inverse=True)
            self.kind_ = "binary" if len(self.classes_) == 2 else "multiclass"
            Y = (
                np.where(codes == 1, 1.0, -1.0)[:, None]
                if self.kind_ == "binary"
                else np.eye(len(self.classes_))[codes]
            )
        else:
            self.kind_ = "regression"
            Y = np.asarray(y, dtype=float)[:, None]
        if self.kind_ == "binary":
            ybar = Y.mean()
            self.init_ = np.array([0.5 * np.log((1 + ybar) / (1 - ybar))])
        elif self.kind_ == "multiclass":
            self.init_ = np.zeros(Y.shape[1])
        else:
            self.init_ = Y.mean(axis=0)
        F = np.tile(self.init_, (n, 1))
        self.models_: list[Any] = []
        self.steps_: list[float] = []
        n_sub = int(self.subsample * n)
        for _ in range(self.n_steps):
            R = self._residuals(Y, F)
            net = MLPRegressor(
                hidden_layer_sizes=(self.units_per_step,),
                activation=self.activation,
                solver="lbfgs",
                max_iter=self.max_iter,
                tol=0.0,
                n_iter_no_change=self.max_iter,
                random_state=rs,
            )
            idx = rs.choice(n, n_sub, replace=False) if n_sub < n else np.arange(n)
            target = R[idx, 0] if R.shape[1] == 1 else R[idx]
            net.fit(X[idx], target)
            f = net.predict(X).reshape(n, -1)
            rho = self._newton(Y, R, f)
            F = F + self.learning_rate * rho * f
            self.models_.append(net)
            self.steps_.append(self.learning_rate * rho)
        return self

    def _residuals(self, Y: np.ndarray, F: np.ndarray) -> np.ndarray:
        if self.kind_ == "binary":
            with np.errstate(over="ignore"):
                return 2 * Y / (1 + np.exp(2 * Y * F))
        if self.kind_ == "multiclass":
            e = np.exp(F - F.max(axis=1, keepdims=True))
            return Y - e / e.sum(axis=1, keepdims=True)
        return Y - F

    def _newton(self, Y: np.ndarray, R: np.ndarray, f: np.ndarray) -> float:
        # the same guards as the torch estimators (the reference code has none and can divide by zero)
        if self.kind_ == "binary":
            rho = np.sum(R * f) / (np.sum(f * f * np.abs(R) * (2 - np.abs(R))) + 1e-12)
        elif self.kind_ == "multiclass":
            p = Y - R
            rho = np.sum(f * R) / (np.sum(f * f * p * (1 - p)) + 1e-12)
        else:
            return 1.0
        return float(np.clip(np.nan_to_num(rho), -100.0, 100.0))

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        F = np.tile(self.init_, (X.shape[0], 1))
        for net, step in zip(self.models_, self.steps_, strict=True):
            F = F + step * net.predict(X).reshape(X.shape[0], -1)
        return F

    def predict(self, X: np.ndarray) -> np.ndarray:
        F = self.decision_function(X)
        if self.kind_ == "binary":
            return self.classes_[(F[:, 0] > 0).astype(int)]
        if self.kind_ == "multiclass":
            return self.classes_[np.argmax(F, axis=1)]
        return F[:, 0]
