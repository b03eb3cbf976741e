"""Fully bundled SNNK networks with a closed-form fit (the paper's bundling section).

Because an SNNK layer's output is linear in Ψ, a network whose layers are all SNNK layers collapses into a
two-tower model ``ŷ = M Φ(x)``: the input tower ``Φ = φ_L ∘ … ∘ φ_1`` is fixed and parameter-free, all
parameters live in one ``out × m'`` matrix M. Under the squared loss with ridge ``λ`` the optimum is closed
form, ``M* = Yᵀ Φ (ΦᵀΦ + λI)⁻¹`` — no back-propagation. Solved in float64 with a Cholesky factorisation of the
``m'×m'`` normal equations when ``n ≥ m'`` and of the ``n×n`` dual system otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from snnk.features import FeatureMap, make_feature_map

__all__ = ["BundledClassifier", "BundledRegressor", "ridge_solve"]


def ridge_solve(phi: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
    """``argmin_M ‖ΦM − Y‖² + α‖M‖²`` for ``Φ [n, k]``, ``Y [n, t]`` → ``M [k, t]`` (float64 Cholesky).

    Uses the primal ``(ΦᵀΦ + αI) M = ΦᵀY`` when ``n ≥ k`` and the dual ``M = Φᵀ(ΦΦᵀ + αI)⁻¹Y`` otherwise; with
    ``α = 0`` (or a singular system) it falls back to the minimum-norm least-squares solution.
    """
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    phi64, y64 = phi.to(torch.float64), y.to(torch.float64)
    n, k = phi64.shape
    if alpha > 0:
        if n >= k:
            a = phi64.T @ phi64
            a.diagonal().add_(alpha)
            chol, info = torch.linalg.cholesky_ex(a)
            if int(info) == 0:
                return torch.cholesky_solve(phi64.T @ y64, chol)
        else:
            a = phi64 @ phi64.T
            a.diagonal().add_(alpha)
            chol, info = torch.linalg.cholesky_ex(a)
            if int(info) == 0:
                return phi64.T @ torch.cholesky_solve(y64, chol)
    return torch.linalg.pinv(phi64) @ y64


class _Bundled(BaseEstimator):
    def __init__(
        self,
        feature_map: Any = "relu",
        num_features: int = 1024,
        depth: int = 1,
        alpha: float = 1e-3,
        fit_intercept: bool = True,
        feature_kwargs: dict[str, Any] | None = None,
        random_state: Any = None,
    ) -> None:
        self.feature_map = feature_map
        self.num_features = num_features
        self.depth = depth
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.feature_kwargs = feature_kwargs
        self.random_state = random_state

    def _check_params(self) -> None:
        if (
            isinstance(self.alpha, bool)
            or not isinstance(self.alpha, (int, float, np.floating))
            or not self.alpha >= 0
        ):
            raise ValueError(f"alpha must be a float >= 0, got {self.alpha!r}")
        if isinstance(self.depth, bool) or not isinstance(self.depth, (int, np.integer)) or self.depth < 1:
            raise ValueError(f"depth must be an int >= 1, got {self.depth!r}")
        if (
            isinstance(self.num_features, bool)
            or not isinstance(self.num_features, (int, np.integer))
            or self.num_features < 1
        ):
            raise ValueError(f"num_features must be an int >= 1, got {self.num_features!r}")

    def _build_tower(self, d: int) -> list[FeatureMap]:
        fm = self.feature_map
        if isinstance(fm, FeatureMap):
            maps = [fm]
        elif isinstance(fm, (list, tuple)) and fm and all(isinstance(f, FeatureMap) for f in fm):
            maps = list(fm)
        elif isinstance(fm, str):
            rng = check_random_state(self.random_state)
            kw = dict(self.feature_kwargs or {})
            maps, width = [], d
            for _ in range(int(self.depth)):
                f = make_feature_map(
                    fm, width, int(self.num_features), seed=int(rng.randint(0, 2**31 - 1)), **kw
                )
                maps.append(f)
                width = f.out_features
        else:
            raise ValueError(
                f"feature_map must be a feature-map name, a FeatureMap or a list of them, got {fm!r}"
            )
        width = d
        for i, f in enumerate(maps):
            if f.in_features != width:
                raise ValueError(
                    f"feature map {i} expects in_features={f.in_features}, got inputs of width {width}"
                )
            width = f.out_features
        return [_float64(f) for f in maps]

    def _features(self, x: np.ndarray) -> torch.Tensor:
        z = torch.tensor(np.asarray(x, dtype=np.float64))
        with torch.no_grad():
            for f in self.tower_:
                z = f(z)
                if z.is_complex():
                    raise ValueError("bundled models need real features: use real_features=True")
        return z

    def features(self, X: Any) -> np.ndarray:
        """The input tower Φ(X), ``[n, m']``."""
        check_is_fitted(self, "tower_")
        X = validate_data(self, X, reset=False)
        return self._features(X).numpy()

    def _fit_targets(self, X: np.ndarray, Y: np.ndarray) -> None:
        self._check_params()
        self.tower_ = self._build_tower(X.shape[1])
        phi = self._features(X)
        y = torch.tensor(np.asarray(Y, dtype=np.float64))
        if self.fit_intercept:
            phi_mean, y_mean = phi.mean(0), y.mean(0)
            coef = ridge_solve(phi - phi_mean, y - y_mean, float(self.alpha))
            intercept = y_mean - phi_mean @ coef
        else:
            coef = ridge_solve(phi, y, float(self.alpha))
            intercept = torch.zeros(y.shape[1], dtype=torch.float64)
        self.coef_ = coef.T.numpy()  # [t, m'] : the bundled parameter tower M
        self.intercept_ = intercept.numpy()

    def _scores(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False)
        return self._features(X).numpy() @ self.coef_.T + self.intercept_

    @property
    def num_parameters_(self) -> int:
        """Trainable parameters of the bundled network (M and the intercept)."""
        check_is_fitted(self, "coef_")
        return int(self.coef_.size + self.intercept_.size)


def _float64(f: FeatureMap) -> FeatureMap:
    import copy

    return copy.deepcopy(f).to(torch.float64)


class BundledRegressor(RegressorMixin, _Bundled):
    """Fully bundled SNNK regressor: ``ŷ = M Φ(x) + c`` with M fitted in closed form by ridge regression.

    Args:
        feature_map: a feature-map name (``relu | cos | sin | exp | tanh | gelu``), a :class:`FeatureMap`,
            or a list of maps (the input tower, applied in order).
        num_features: m of every map built from a name. depth: number of stacked maps built from a name.
        alpha: ridge λ (>= 0). fit_intercept: centre Φ and y (as ``sklearn.linear_model.Ridge``).
        feature_kwargs: keyword arguments of the maps built from a name (``input_scale``, ``floor``, ...).
        random_state: seeds the maps built from a name.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> BundledRegressor:
        X, y = validate_data(self, X, y, y_numeric=True, multi_output=True, ensure_min_samples=2)
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        self._fit_targets(X, y.reshape(len(y), -1))
        return self

    def predict(self, X: Any) -> np.ndarray:
        out = self._scores(X)
        return out[:, 0] if self._y_1d else out


class BundledClassifier(ClassifierMixin, _Bundled):
    """Fully bundled SNNK classifier: ridge regression on one-hot targets, ``argmax`` of the scores.

    Same arguments as :class:`BundledRegressor`; ``predict_proba`` is the softmax of the scores.
    """

    def fit(self, X: Any, y: Any) -> BundledClassifier:
        X, y = validate_data(self, X, y, ensure_min_samples=2)
        check_classification_targets(y)
        self.classes_, idx = np.unique(y, return_inverse=True)
        onehot = np.zeros((len(y), max(len(self.classes_), 2)))
        onehot[np.arange(len(y)), idx] = 1.0
        self._fit_targets(X, onehot)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        scores = self._scores(X)[:, : len(self.classes_)]
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        scores = self._scores(X)[:, : len(self.classes_)]
        z = scores - scores.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        scores = self._scores(X)[:, : len(self.classes_)]
        return self.classes_[np.argmax(scores, 1)]
