"""scikit-learn estimators: the infinitely wide network of finite or infinite depth as a kernel machine.

A network trained to convergence on squared loss in the infinite-width limit is the kernel interpolant
``f(x) = Y^T K_train^{-1} k(x)`` with its NTK (or, for the Bayesian last-layer view, NNGP) kernel; its class is
``sign f`` (binary, labels coded +-1) or ``argmax f`` (one-hot targets), as in the official code. With
``limit=True`` the estimator is the depth -> infinity classifier of the paper's taxonomy (majority vote,
1-nearest-neighbour, or the singular kernel ``sign sum_i y_i c(<x, x_i>)``).
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from wide_deep_ntk.activations import DualActivation, get_activation
from wide_deep_ntk.kernels import gram, limit_kernel, log_nngp, nngp_and_ntk, to_sphere

__all__ = [
    "DeepKernel",
    "DeepKernelRegressor",
    "HilbertKernelClassifier",
    "InfiniteDepthKernelClassifier",
    "solve_kernel_system",
]

_BLOCK_BYTES = 2**28  # test columns per block: n_train * block * 8 bytes <= 256 MiB


def _device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _prepare(X: np.ndarray, normalize: str) -> np.ndarray:
    if normalize == "sphere":
        if X.shape[1] < 2:
            raise ValueError(
                "normalize='sphere' needs at least 2 features: with n_features = 1 every row projects to -1 or +1; "
                "use normalize='bias'"
            )
        return to_sphere(X)
    if normalize == "bias":
        return to_sphere(X, bias=True)
    if normalize == "none":
        return X
    raise ValueError(f"normalize must be 'sphere', 'bias' or 'none', got {normalize!r}")


def _check_common(est: Any) -> DualActivation:
    act = get_activation(est.activation)
    if est.kernel not in ("nngp", "ntk"):
        raise ValueError(f"kernel must be 'nngp' or 'ntk', got {est.kernel!r}")
    d = est.depth
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0:
        raise ValueError(f"depth must be a non-negative integer, got {d!r}")
    r = est.ridge
    if isinstance(r, bool) or not isinstance(r, numbers.Real) or not (float(r) >= 0 and math.isfinite(r)):
        raise ValueError(f"ridge must be a finite number >= 0, got {r!r}")
    if est.normalize not in ("sphere", "bias", "none"):
        raise ValueError(f"normalize must be 'sphere', 'bias' or 'none', got {est.normalize!r}")
    return act


def _warn_duplicates(X: np.ndarray) -> None:
    G = X @ X.T
    np.fill_diagonal(G, 0.0)
    i, j = np.nonzero(np.triu(G >= 1.0 - 1e-12))
    if len(i):
        pairs = ", ".join(f"({a}, {b})" for a, b in list(zip(i.tolist(), j.tolist(), strict=True))[:5])
        warnings.warn(
            f"{len(i)} pair(s) of training rows coincide on the sphere (e.g. rows {pairs}): K_train is singular and "
            "is solved by pseudo-inverse (the minimum-norm least-squares fit); remove the duplicates or pass "
            "ridge > 0",
            stacklevel=3,
        )


def solve_kernel_system(K: torch.Tensor, Y: torch.Tensor, ridge: float = 0.0) -> torch.Tensor:
    """``(K + ridge I)^{-1} Y`` by Cholesky; an eigenvalue pseudo-inverse with a warning when ``K`` is
    numerically singular (the majority-vote regime at moderate depth reaches cond ~1e18).

    Args:
        K: ``(n, n)`` symmetric positive semi-definite kernel matrix (float64).
        Y: ``(n, k)`` targets.
        ridge: added to the diagonal (>= 0).

    Returns:
        The ``(n, k)`` solution.
    """
    if not isinstance(K, torch.Tensor) or not isinstance(Y, torch.Tensor):
        raise TypeError(f"K and Y must be torch.Tensors, got {type(K).__name__} and {type(Y).__name__}")
    if K.dim() != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square (n, n) matrix, got shape {tuple(K.shape)}")
    if Y.dim() != 2 or Y.shape[0] != K.shape[0]:
        raise ValueError(
            f"Y must have shape (n={K.shape[0]}, k) (one row per row of K), got {tuple(Y.shape)}"
        )
    if isinstance(ridge, bool) or not isinstance(ridge, numbers.Real) or not (0 <= ridge < math.inf):
        raise ValueError(f"ridge must be a finite number >= 0, got {ridge!r}")
    if not torch.isfinite(K).all() or not torch.isfinite(Y).all():
        raise ValueError("K or Y contains NaN or inf")
    if Y.dtype != K.dtype:
        Y = Y.to(K.dtype)
    A = K + ridge * torch.eye(K.shape[0], dtype=K.dtype, device=K.device) if ridge else K
    L, info = torch.linalg.cholesky_ex(A)
    if int(info) == 0:
        d = L.diagonal()
        if float(d.min()) > 0 and float((d.max() / d.min()) ** 2) < 1e13:
            return torch.cholesky_solve(Y, L)
    warnings.warn(
        "K_train is numerically singular or ill-conditioned; solving by pseudo-inverse (eigenvalues below "
        "1e-13 of the largest dropped). Pass ridge > 0 or use fewer/deduplicated points for a stable solve.",
        stacklevel=3,
    )
    w, V = torch.linalg.eigh(A)
    keep = w > 1e-13 * w.abs().max()
    inv = torch.where(keep, 1.0 / torch.where(keep, w, torch.ones_like(w)), torch.zeros_like(w))
    return V @ (inv[:, None] * (V.T @ Y))


class _DeepKernelBase(BaseEstimator):
    def _fit_kernel_rows(self, X: np.ndarray) -> np.ndarray:
        return _prepare(X, self.normalize)

    def _train_kernel(self, act: DualActivation, Xs: torch.Tensor) -> torch.Tensor:
        if self.kernel == "ntk":
            return nngp_and_ntk(Xs, None, act, self.depth, scaled=True)[1]
        return nngp_and_ntk(Xs, None, act, self.depth)[0]

    def _blocks(self, m: int) -> range:
        step = max(1, _BLOCK_BYTES // (8 * max(1, self.X_fit_.shape[0])))
        return range(0, m, step)


class InfiniteDepthKernelClassifier(ClassifierMixin, _DeepKernelBase):
    """The infinitely wide network of depth ``depth`` (or infinite depth) as a classifier.

    Args:
        activation: a registered activation name (``"erf"``, ``"relu"``, ``"2d_opt"``, ``"sine_<a>"``, ...)
            or a :class:`~wide_deep_ntk.activations.DualActivation`.
        depth: hidden layers ``L`` (ignored when ``limit``); the official experiments use 100-200.
        kernel: ``"nngp"`` (the official experiments) or ``"ntk"`` (the trained network).
        limit: use the depth -> infinity classifier of the activation's regime instead of depth ``L``.
        ridge: added to ``K_train``'s diagonal (0: exact interpolation, as in the paper).
        normalize: ``"bias"`` (append a constant 1 feature, then project rows to the unit sphere: for generic,
            standardised data), ``"sphere"`` (project rows to the unit sphere: the paper's setting, for data that
            live on a sphere) or ``"none"`` (rows must already have unit norm).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (float64 throughout).

    Attributes:
        classes_: the class labels.
        regime_: the activation's infinite-depth regime.
        X_fit_: the normalised training rows.
        dual_coef_: ``K_train^{-1} Y`` (finite depth) or ``Y`` (limit).
    """

    def __init__(
        self,
        activation: str | DualActivation = "erf",
        depth: int = 100,
        *,
        kernel: str = "nngp",
        limit: bool = False,
        ridge: float = 0.0,
        normalize: str = "bias",
        device: str = "cpu",
    ) -> None:
        self.activation = activation
        self.depth = depth
        self.kernel = kernel
        self.limit = limit
        self.ridge = ridge
        self.normalize = normalize
        self.device = device

    def fit(self, X: Any, y: Any) -> InfiniteDepthKernelClassifier:
        """Fit on ``X`` (n, d) and labels ``y`` (n,): binary targets +-1, multiclass one-hot.

        Args:
            X: training inputs.
            y: class labels (two or more classes).

        Returns:
            self.
        """
        act = _check_common(self)
        if not isinstance(self.limit, (bool, np.bool_)):
            raise ValueError(f"limit must be True or False, got {self.limit!r}")
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has 1 class ({self.classes_[0]!r}); the classifier needs 2 or more classes")
        Xs = self._fit_kernel_rows(X)
        self.regime_ = act.regime()
        dev = _device(self.device)
        Y = (
            np.eye(len(self.classes_))[codes]
            if len(self.classes_) > 2
            else np.where(codes == 1, 1.0, -1.0)[:, None]
        )
        self.X_fit_ = Xs
        self._Y = Y
        if self.limit and self.regime_ != "linear":
            self.dual_coef_ = Y
            return self
        if self.ridge == 0:
            _warn_duplicates(Xs)
        Xt = torch.as_tensor(Xs, device=dev)
        if self.kernel == "nngp":
            la, sg = log_nngp(Xt, None, act, 0 if self.regime_ == "linear" else self.depth)
            K = sg * torch.exp(la)
        else:
            K = self._train_kernel(act, Xt)
        self.dual_coef_ = (
            solve_kernel_system(K, torch.as_tensor(Y, device=dev), float(self.ridge)).cpu().numpy()
        )
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The kernel regressor ``f(x)`` up to a positive factor per test point (each column of the test kernel
        is rescaled by its largest entry, which keeps deep kernels in range without changing the class).

        Args:
            X: ``(m, d)`` inputs.

        Returns:
            ``(m,)`` for two classes (positive means ``classes_[1]``), ``(m, n_classes)`` otherwise.
        """
        check_is_fitted(self, "dual_coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Xs = _prepare(X, self.normalize)
        act = get_activation(self.activation)
        dev = _device(self.device)
        Xtr = torch.as_tensor(self.X_fit_, device=dev)
        coef = torch.as_tensor(self.dual_coef_, device=dev)
        out = []
        for s in self._blocks(len(Xs)):
            Xb = torch.as_tensor(Xs[s : s + self._blocks(len(Xs)).step], device=dev)
            out.append(self._decide(act, Xtr, Xb, coef).cpu())
        F = torch.cat(out).numpy() if out else np.zeros((0, coef.shape[1]))
        return F[:, 0] if F.shape[1] == 1 else F

    def _decide(
        self, act: DualActivation, Xtr: torch.Tensor, Xb: torch.Tensor, coef: torch.Tensor
    ) -> torch.Tensor:
        if self.limit and self.regime_ == "majority":
            return coef.sum(0, keepdim=True).expand(Xb.shape[0], -1)
        if self.limit and self.regime_ == "nearest_neighbor":
            G = gram(Xtr, Xb)
            k, _ = act.leading_term()
            idx = G.abs().argmax(0)
            sgn = torch.sign(G[idx, torch.arange(Xb.shape[0], device=G.device)]) ** k
            return coef[idx] * sgn[:, None]
        if self.limit and self.regime_ == "singular":
            C = limit_kernel(Xtr, Xb, act)
            pos, neg = torch.isposinf(C), torch.isneginf(C)  # coincident / antipodal (odd activations) points
            C = torch.where(pos | neg, torch.zeros_like(C), C)
            C = C / C.abs().amax(0, keepdim=True).clamp_min(1e-300)
            F = torch.where(neg.any(0)[:, None], -(neg.to(coef.dtype).T @ coef), C.T @ coef)
            return torch.where(pos.any(0)[:, None], pos.to(coef.dtype).T @ coef, F)
        depth = 0 if self.regime_ == "linear" else self.depth
        if self.kernel == "nngp":
            la, sg = log_nngp(Xtr, Xb, act, depth)
            Kt = sg * torch.exp(la - la.amax(0, keepdim=True).clamp_min(-1e300))
            Kt = torch.nan_to_num(Kt, nan=0.0)
        else:
            Kt = nngp_and_ntk(Xtr, Xb, act, depth, scaled=True)[1]
        return Kt.T @ coef

    def predict(self, X: Any) -> np.ndarray:
        """Class labels: ``sign f`` (two classes) or ``argmax f``.

        Args:
            X: ``(m, d)`` inputs.

        Returns:
            ``(m,)`` labels from ``classes_``.
        """
        F = self.decision_function(X)
        idx = (F > 0).astype(int) if F.ndim == 1 else F.argmax(1)
        return self.classes_[idx]


class DeepKernelRegressor(RegressorMixin, _DeepKernelBase):
    """Kernel regression with the NTK (the infinitely wide network trained to convergence on squared loss)
    or the NNGP of depth ``depth``: ``f(x) = k(x)^T (K_train + ridge I)^{-1} Y``.

    Args:
        activation: a registered activation name or a :class:`~wide_deep_ntk.activations.DualActivation`.
        depth: hidden layers ``L``.
        kernel: ``"ntk"`` or ``"nngp"``.
        ridge: added to ``K_train``'s diagonal (0: interpolation).
        normalize: ``"sphere"``, ``"bias"`` or ``"none"`` (see :class:`InfiniteDepthKernelClassifier`).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.

    Attributes:
        X_fit_: the normalised training rows.
        dual_coef_: ``(K_train + ridge I)^{-1} Y``.
    """

    def __init__(
        self,
        activation: str | DualActivation = "relu",
        depth: int = 1,
        *,
        kernel: str = "ntk",
        ridge: float = 0.0,
        normalize: str = "bias",
        device: str = "cpu",
    ) -> None:
        self.activation = activation
        self.depth = depth
        self.kernel = kernel
        self.ridge = ridge
        self.normalize = normalize
        self.device = device

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> DeepKernelRegressor:
        """Fit on ``X`` (n, d) and targets ``y`` (n,) or (n, k).

        Args:
            X: training inputs.
            y: real targets.

        Returns:
            self.
        """
        act = _check_common(self)
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        Xs = self._fit_kernel_rows(X)
        if self.ridge == 0:
            _warn_duplicates(Xs)
        self.X_fit_ = Xs
        dev = _device(self.device)
        Y = torch.as_tensor(np.asarray(y, dtype=np.float64).reshape(len(y), -1), device=dev)
        K = self._train_kernel(act, torch.as_tensor(Xs, device=dev))
        self.dual_coef_ = solve_kernel_system(K, Y, float(self.ridge)).cpu().numpy()
        self._y_ndim = np.ndim(y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """``k(x)^T dual_coef_`` (true scale).

        Args:
            X: ``(m, d)`` inputs.

        Returns:
            ``(m,)`` or ``(m, k)`` predictions (the shape of the training targets).
        """
        check_is_fitted(self, "dual_coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Xs = _prepare(X, self.normalize)
        act = get_activation(self.activation)
        dev = _device(self.device)
        Xtr = torch.as_tensor(self.X_fit_, device=dev)
        coef = torch.as_tensor(self.dual_coef_, device=dev)
        blocks = self._blocks(len(Xs))
        out = []
        for s in blocks:
            Xb = torch.as_tensor(Xs[s : s + blocks.step], device=dev)
            both = nngp_and_ntk(Xtr, Xb, act, self.depth, scaled=True)
            out.append((both[1] if self.kernel == "ntk" else both[0]).T @ coef)
        P = torch.cat(out).cpu().numpy() if out else np.zeros((0, coef.shape[1]))
        return P[:, 0] if self._y_ndim == 1 else P


class HilbertKernelClassifier(ClassifierMixin, BaseEstimator):
    """The Hilbert-kernel classifier of Devroye et al.: ``sign sum_i y_i ||x - x_i||^(-exponent)``, the
    consistent limit the paper's optimal activations reach (one-hot targets for more than two classes).

    Args:
        exponent: the power; None means ``d - 1`` for ``normalize="sphere"`` (the dimension of the sphere the
            data lie on; the official baseline), ``d`` for ``"bias"`` and ``"none"``.
        normalize: ``"sphere"``, ``"bias"`` or ``"none"``.

    Attributes:
        classes_: the class labels.
        exponent_: the exponent used.
    """

    def __init__(self, exponent: float | None = None, *, normalize: str = "bias") -> None:
        self.exponent = exponent
        self.normalize = normalize

    def fit(self, X: Any, y: Any) -> HilbertKernelClassifier:
        """Store the (normalised) training data.

        Args:
            X: ``(n, d)`` inputs.
            y: class labels.

        Returns:
            self.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has 1 class ({self.classes_[0]!r}); the classifier needs 2 or more classes")
        e = self.exponent
        if e is not None and (isinstance(e, bool) or not isinstance(e, numbers.Real) or not e > 0):
            raise ValueError(f"exponent must be a number > 0 or None, got {e!r}")
        self.X_fit_ = _prepare(X, self.normalize)
        d = X.shape[1]
        self.exponent_ = float(e) if e is not None else float(d - 1 if self.normalize == "sphere" else d)
        if self.exponent_ <= 0:
            raise ValueError(f"the default exponent d - 1 is {self.exponent_} for d = {d}; pass exponent > 0")
        self._Y = (
            np.eye(len(self.classes_))[codes]
            if len(self.classes_) > 2
            else np.where(codes == 1, 1.0, -1.0)[:, None]
        )
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """``sum_i Y_i w_i(x)`` with weights rescaled by their largest value per test point.

        Args:
            X: ``(m, d)`` inputs.

        Returns:
            ``(m,)`` for two classes, ``(m, n_classes)`` otherwise.
        """
        check_is_fitted(self, "X_fit_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Xs = torch.as_tensor(_prepare(X, self.normalize))
        Xtr = torch.as_tensor(self.X_fit_)
        Y = torch.as_tensor(self._Y)
        d2 = torch.cdist(Xs, Xtr).pow(2)  # (m, n)
        logw = -0.5 * self.exponent_ * torch.log(d2)
        hit = torch.isinf(logw)
        W = torch.where(
            hit.any(1, keepdim=True), hit.to(Y.dtype), torch.exp(logw - logw.amax(1, keepdim=True))
        )
        F = (W @ Y).numpy()
        return F[:, 0] if F.shape[1] == 1 else F

    def predict(self, X: Any) -> np.ndarray:
        """Class labels.

        Args:
            X: ``(m, d)`` inputs.

        Returns:
            ``(m,)`` labels from ``classes_``.
        """
        F = self.decision_function(X)
        idx = (F > 0).astype(int) if F.ndim == 1 else F.argmax(1)
        return self.classes_[idx]


class DeepKernel:
    """The NTK/NNGP of a deep network as a kernel callable for scikit-learn, e.g. ``SVC(kernel=DeepKernel())``.

    Args:
        activation: a registered activation name or a :class:`~wide_deep_ntk.activations.DualActivation`.
        depth: hidden layers ``L``.
        kernel: ``"ntk"`` or ``"nngp"``.
        normalize: ``"sphere"``, ``"bias"`` or ``"none"`` (applied to both arguments).
        scaled: divide the NTK by its diagonal value (keeps it in range; an SVC's ``C`` is relative to it).
    """

    def __init__(
        self,
        activation: str | DualActivation = "relu",
        depth: int = 1,
        *,
        kernel: str = "ntk",
        normalize: str = "bias",
        scaled: bool = True,
    ) -> None:
        _check_common(_Params(activation, depth, kernel, 0.0, normalize))
        self.activation, self.depth, self.kernel, self.normalize, self.scaled = (
            activation,
            depth,
            kernel,
            normalize,
            scaled,
        )

    def __call__(self, X: Any, Y: Any = None) -> np.ndarray:
        """The ``(n, m)`` kernel matrix between the rows of ``X`` and ``Y`` (``X`` itself when None).

        Args:
            X: ``(n, d)`` inputs.
            Y: ``(m, d)`` inputs or None.

        Returns:
            The kernel matrix (numpy float64).
        """
        A = _prepare(np.asarray(X, dtype=np.float64), self.normalize)
        B = None if Y is None else _prepare(np.asarray(Y, dtype=np.float64), self.normalize)
        k_nngp, k_ntk = nngp_and_ntk(A, B, self.activation, self.depth, scaled=self.scaled)
        return np.asarray(k_ntk if self.kernel == "ntk" else k_nngp)

    def __repr__(self) -> str:
        return (
            f"DeepKernel(activation={self.activation!r}, depth={self.depth}, kernel={self.kernel!r}, "
            f"normalize={self.normalize!r}, scaled={self.scaled})"
        )


class _Params:
    def __init__(self, activation: Any, depth: Any, kernel: Any, ridge: Any, normalize: Any) -> None:
        self.activation, self.depth, self.kernel, self.ridge, self.normalize = (
            activation,
            depth,
            kernel,
            ridge,
            normalize,
        )
