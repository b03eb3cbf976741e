"""scikit-learn estimators: GBNNClassifier and GBNNRegressor (Emami & Martinez-Munoz, arXiv:1909.12098).

Algorithm (paper, Algorithm 1; "GBNN"): F_0 = argmin_c sum_i L(y_i, c); for t = 1..T: r = -dL/dF at F_{t-1}
(pseudo-residuals), fit a J-unit one-hidden-layer network h_t to r on a random subsample, rho_t = one Newton
step of L along h_t evaluated on all training rows, F_t = F_{t-1} + eta * rho_t * h_t. Because each h_t is
``V_t^T act(W_t^T x + b_t) + c_t``, the expansion F_T is exactly one network with T*J hidden units (the
concatenation of the W_t, b_t; output weights eta*rho_t*V_t; output bias F_0 + sum_t eta*rho_t*c_t).
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from gradboost_nn._base_learner import ACTIVATIONS, activation_fn, fit_shallow_net
from gradboost_nn._losses import BinomialDeviance, GBNNLoss, MultinomialDeviance, SquaredError

__all__ = ["GBNNClassifier", "GBNNRegressor"]

#: |rho| is clipped to this value (a safety addition; the reference code does not clip)
RHO_MAX = 100.0


@contextlib.contextmanager
def _torch_threads(device: torch.device, n: int = 1) -> Iterator[None]:
    """Run tiny CPU fits on one thread, torch and BLAS alike, restoring the settings after.

    The base networks are so small that extra threads only add synchronisation (and oversubscribe the cores
    under joblib); a multi-threaded BLAS spinning on a busy machine can slow a fit down by an order of magnitude.
    """
    if device.type != "cpu":
        yield
        return
    from threadpoolctl import threadpool_limits

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        torch.set_num_threads(old)


def _resolve_device_dtype(device: str, dtype: str) -> tuple[torch.device, torch.dtype]:
    dev = torch.device(
        "cuda" if device == "auto" and torch.cuda.is_available() else "cpu" if device == "auto" else device
    )
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; use device='cpu' or 'auto'"
        )
    if dtype == "auto":
        return dev, torch.float64 if dev.type == "cpu" else torch.float32
    return dev, {"float64": torch.float64, "float32": torch.float32}[dtype]


class _BaseGBNN(BaseEstimator):
    """Shared fitting and prediction machinery (not public)."""

    _parameter_constraints: dict[str, list[Any]] = {
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "units_per_step": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "subsample": [Interval(numbers.Real, 0.0, 1.0, closed="right")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "adam"})],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "alpha": [Interval(numbers.Real, 0.0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "learning_rate_init": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0.0, 1.0, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str],
        "dtype": [StrOptions({"auto", "float64", "float32"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_steps: int = 200,
        units_per_step: int = 1,
        learning_rate: float = 1.0,
        subsample: float = 0.5,
        activation: str = "logistic",
        solver: str = "lbfgs",
        max_iter: int = 200,
        alpha: float = 1e-4,
        batch_size: int | None = None,
        learning_rate_init: float = 1e-3,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        random_state: Any = None,
        device: str = "cpu",
        dtype: str = "auto",
        verbose: int = 0,
    ) -> None:
        self.n_steps = n_steps
        self.units_per_step = units_per_step
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.activation = activation
        self.solver = solver
        self.max_iter = max_iter
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose

    # ------------------------------------------------------------------------------------------- fitting

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, GBNNLoss, np.ndarray | None]:
        """Targets as a float (n, out) matrix, the loss, and the labels used to stratify a validation split."""
        raise NotImplementedError

    def _boost(self, X: np.ndarray, y: np.ndarray) -> None:
        device, dtype = _resolve_device_dtype(self.device, self.dtype)
        Y_np, loss, strata = self._encode_targets(y)
        rs = check_random_state(self.random_state)
        # independent streams for the validation split, the subsamples and the weight initialisation
        seed_split, seed_sub, seed_init = (int(s) for s in rs.randint(0, 2**31 - 1, size=3))
        X_val_np = Y_val_np = None
        if self.early_stopping:
            n_val = int(np.ceil(self.validation_fraction * X.shape[0]))
            if n_val < 1 or X.shape[0] - n_val < 2:
                raise ValueError(
                    f"early_stopping needs at least 1 validation and 2 training samples; validation_fraction="
                    f"{self.validation_fraction} of n_samples={X.shape[0]} leaves {X.shape[0] - n_val} for training"
                )
            try:
                X, X_val_np, Y_np, Y_val_np = train_test_split(
                    X, Y_np, test_size=self.validation_fraction, random_state=seed_split, stratify=strata
                )
            except ValueError:  # a class too small to stratify: fall back to a plain random split
                X, X_val_np, Y_np, Y_val_np = train_test_split(
                    X, Y_np, test_size=self.validation_fraction, random_state=seed_split
                )
        n = X.shape[0]
        n_sub = int(self.subsample * n)
        if n_sub < 2:
            raise ValueError(
                f"subsample * n_samples must be at least 2 to fit a base network, got subsample={self.subsample} "
                f"with n_samples={n} ({n_sub} rows per round); use more samples or a larger subsample"
            )
        sub_rng = np.random.RandomState(seed_sub)
        gen = torch.Generator().manual_seed(seed_init)

        Xt = torch.tensor(X, dtype=dtype, device=device)
        Yt = torch.tensor(Y_np, dtype=dtype, device=device)
        init = loss.init_raw(Yt)
        F = init.expand_as(Yt).clone()
        if X_val_np is not None:
            Xv = torch.tensor(X_val_np, dtype=dtype, device=device)
            Yv = torch.tensor(Y_val_np, dtype=dtype, device=device)
            Fv = init.expand_as(Yv).clone()
        J = self.units_per_step
        Ws, bs, Vs, cs, steps, train_loss, val_loss = [], [], [], [], [], [], []
        best, best_t, since_best = np.inf, 0, 0
        with _torch_threads(device), torch.no_grad():
            for t in range(self.n_steps):
                R = loss.residuals(Yt, F)
                if n_sub < n:
                    idx = torch.as_tensor(np.sort(sub_rng.choice(n, n_sub, replace=False)), device=device)
                    X_s, R_s = Xt[idx], R[idx]
                else:
                    X_s, R_s = Xt, R
                net = fit_shallow_net(
                    X_s,
                    R_s,
                    n_units=J,
                    activation=self.activation,
                    solver=self.solver,
                    max_iter=self.max_iter,
                    alpha=self.alpha,
                    generator=gen,
                    batch_size=self.batch_size,
                    learning_rate_init=self.learning_rate_init,
                )
                f = net(Xt, self.activation)
                rho = loss.newton_step(Yt, R, f)
                rho = torch.nan_to_num(rho, nan=0.0).clamp(-RHO_MAX, RHO_MAX)
                step = self.learning_rate * rho
                F = F + step * f
                Ws.append(net.W)
                bs.append(net.b)
                Vs.append(net.V * step)
                cs.append(net.c * step)
                steps.append(step)
                train_loss.append(loss.loss(Yt, F))
                if X_val_np is not None:
                    Fv = Fv + step * net(Xv, self.activation)
                    vl = float(loss.loss(Yv, Fv))
                    val_loss.append(vl)
                    if vl < best:
                        best, best_t, since_best = vl, t + 1, 0
                    else:
                        since_best += 1
                    if since_best >= self.n_iter_no_change:
                        break
                if self.verbose:
                    print(
                        f"[GBNN] step {t + 1}/{self.n_steps}: rho={float(rho):.4g} train loss={float(train_loss[-1]):.6g}"
                    )
        T = best_t if X_val_np is not None else len(steps)
        to_np = lambda ts: torch.stack(ts).cpu().numpy() if ts else np.zeros(0)  # noqa: E731
        self.loss_ = loss
        self.n_steps_ = T
        self.n_iter_ = T
        self.n_outputs_ = int(Yt.shape[1])
        self.init_ = init.cpu().numpy()
        self.steps_ = to_np(steps[:T])
        self.train_loss_ = to_np(train_loss)
        if X_val_np is not None:
            self.validation_loss_ = np.asarray(val_loss)
        s = loss.output_scale
        W_all = torch.cat(Ws[:T], dim=1).cpu().numpy()
        b_all = torch.cat(bs[:T]).cpu().numpy()
        V_all = (torch.cat(Vs[:T], dim=0) * s).cpu().numpy()
        self.step_intercepts_ = (torch.stack(cs[:T]) * s).cpu().numpy()  # (T, out), network-output units
        self.coefs_ = [W_all, V_all]
        self.intercepts_ = [b_all, init.cpu().numpy() * s + self.step_intercepts_.sum(axis=0)]

    # ---------------------------------------------------------------------------------------- prediction

    def _n_steps_from(self, n_steps: int | None, n_units: int | None) -> int:
        check_is_fitted(self)
        if n_steps is not None and n_units is not None:
            raise ValueError(f"give n_steps or n_units, not both (got n_steps={n_steps}, n_units={n_units})")
        J = self.units_per_step
        if n_units is not None:
            if not isinstance(n_units, numbers.Integral) or n_units < 0 or n_units % J:
                raise ValueError(
                    f"n_units must be a non-negative multiple of units_per_step={J} (whole boosting rounds), got {n_units!r}"
                )
            n_steps = int(n_units) // J
        if n_steps is None:
            return int(self.n_steps_)
        if not isinstance(n_steps, numbers.Integral) or not 0 <= n_steps <= self.n_steps_:
            raise ValueError(
                f"n_steps must be an integer in [0, {self.n_steps_}] (the fitted rounds), got {n_steps!r}"
            )
        return int(n_steps)

    def _hidden(self, X: np.ndarray, k: int) -> torch.Tensor:
        W = torch.from_numpy(self.coefs_[0][:, : k * self.units_per_step]).to(torch.float64)
        b = torch.from_numpy(self.intercepts_[0][: k * self.units_per_step]).to(torch.float64)
        Xt = torch.tensor(X, dtype=torch.float64)
        return activation_fn(self.activation)(torch.addmm(b, Xt, W))

    def _raw_output(self, X: Any, k: int) -> np.ndarray:
        """The assembled network's output using only the first k rounds, shape (n, out)."""
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        J = self.units_per_step
        V = torch.from_numpy(self.coefs_[1][: k * J]).to(torch.float64)
        bias = self.init_.astype(np.float64) * self.loss_.output_scale + self.step_intercepts_[:k].sum(axis=0)
        with torch.no_grad():
            out = self._hidden(X, k) @ V + torch.from_numpy(np.asarray(bias, dtype=np.float64))
        return out.numpy()

    def _staged_raw_output(self, X: Any) -> Iterator[np.ndarray]:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        J, T = self.units_per_step, self.n_steps_
        with torch.no_grad():
            H = self._hidden(X, T)
            V = torch.from_numpy(self.coefs_[1]).to(torch.float64)
            # contribution of each round: (n, T, out) = per-round block of H times its output weights
            contrib = torch.einsum("ntj,tjo->nto", H.reshape(-1, T, J), V.reshape(T, J, -1))
            contrib = contrib + torch.from_numpy(self.step_intercepts_.astype(np.float64))
            cum = torch.cumsum(contrib, dim=1) + torch.from_numpy(
                self.init_.astype(np.float64) * self.loss_.output_scale
            )
        for t in range(T):
            yield cum[:, t, :].numpy()

    def to_torch(self, n_steps: int | None = None, *, n_units: int | None = None) -> torch.nn.Sequential:
        """The assembled network (paper, Sec. 3: the T base nets are one ordinary net with T*J hidden units).

        ``Sequential(Linear(d, k*J), activation, Linear(k*J, out))`` in float64 on the CPU, keeping the first
        ``k = n_steps`` rounds (all by default; ``n_units`` counts hidden units instead). Its output is the
        estimator's ``decision_function`` (log-odds ``2F`` for binary problems, the class scores ``F`` for
        multiclass, the prediction for regression), always with a trailing output dimension.
        """
        k = self._n_steps_from(n_steps, n_units)
        from gradboost_nn._assemble import assemble_torch

        return assemble_torch(self, k)


class GBNNClassifier(ClassifierMixin, _BaseGBNN):
    """Gradient-boosted neural network classifier (GBNN; Emami & Martinez-Munoz, arXiv:1909.12098).

    Binary problems use the deviance ``log(1 + exp(-2 y F))`` with y in {-1, +1} and P(y=+1) = sigmoid(2F);
    K > 2 classes use the softmax cross-entropy with one base network of ``units_per_step`` hidden units and K
    linear outputs per round (hidden units shared across classes) and one scalar Newton step.

    Parameters
    ----------
    n_steps : int, default=200
        Boosting rounds T; the assembled network has ``n_steps * units_per_step`` hidden units (the reference
        code's ``total_nn`` = 200 with ``num_nn_step`` = 1).
    units_per_step : int, default=1
        Hidden units J of each round's base network.
    learning_rate : float, default=1.0
        Shrinkage eta applied to the Newton step rho_t.
    subsample : float, default=0.5
        Fraction of the training rows (without replacement, redrawn every round) the base network is fitted on;
        the Newton step uses all rows.
    activation : {'logistic', 'tanh', 'relu', 'identity'}, default='logistic'
    solver : {'lbfgs', 'adam'}, default='lbfgs'
        Base-network optimiser: full-batch L-BFGS (the paper's) or mini-batch Adam (for large data on a GPU).
    max_iter : int, default=200
        L-BFGS iterations (or Adam epochs) per base network.
    alpha : float, default=1e-4
        L2 penalty of the base networks, scaled like scikit-learn's (``alpha/2 * ||w||^2 / n``).
    batch_size : int or None, default=None
        Adam mini-batch size (None: ``min(200, n)``, scikit-learn's 'auto'); ignored by L-BFGS.
    learning_rate_init : float, default=1e-3
        Adam step size; ignored by L-BFGS.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop when the validation loss has not
        improved for ``n_iter_no_change`` rounds; the model keeps the rounds up to the best one.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    random_state : int, RandomState or None, default=None
        Seeds the subsamples, the validation split and the base networks' initial weights (separate streams).
    device : str, default='cpu'
        Where the base networks are trained ('cpu', 'cuda', 'cuda:N' or 'auto'). Prediction runs on the CPU.
    dtype : {'auto', 'float64', 'float32'}, default='auto'
        Training precision; 'auto' is float64 on the CPU (L-BFGS on tiny nets is precision-sensitive) and
        float32 on a GPU.
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_, feature_names_in_ : as in scikit-learn
    n_steps_ : int
        Rounds kept (fewer than ``n_steps`` after early stopping).
    n_iter_ : int
        Same as ``n_steps_`` (scikit-learn's name for the number of iterations run).
    init_ : ndarray of shape (out,)
        F_0, the loss minimiser before boosting (out = 1 for binary, K for multiclass).
    steps_ : ndarray of shape (n_steps_,)
        eta * rho_t of every round.
    train_loss_ : ndarray
        Training loss after every round.
    validation_loss_ : ndarray
        Validation loss after every round (early stopping only).
    coefs_, intercepts_ : lists of ndarrays
        The assembled network (as in scikit-learn's MLP): hidden weights (d, T*J), output weights (T*J, out).
    step_intercepts_ : ndarray of shape (n_steps_, out)
        Each round's contribution to the output bias.
    """

    def __init__(
        self,
        *,
        n_steps: int = 200,
        units_per_step: int = 1,
        learning_rate: float = 1.0,
        subsample: float = 0.5,
        activation: str = "logistic",
        solver: str = "lbfgs",
        max_iter: int = 200,
        alpha: float = 1e-4,
        batch_size: int | None = None,
        learning_rate_init: float = 1e-3,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        random_state: Any = None,
        device: str = "cpu",
        dtype: str = "auto",
        verbose: int = 0,
    ) -> None:
        super().__init__(
            n_steps=n_steps,
            units_per_step=units_per_step,
            learning_rate=learning_rate,
            subsample=subsample,
            activation=activation,
            solver=solver,
            max_iter=max_iter,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            random_state=random_state,
            device=device,
            dtype=dtype,
            verbose=verbose,
        )

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, GBNNLoss, np.ndarray | None]:
        enc = LabelEncoder()
        codes = enc.fit_transform(y)
        self.classes_ = enc.classes_
        K = len(self.classes_)
        if K < 2:
            raise ValueError(
                f"GBNNClassifier needs samples of at least 2 classes in the data, but the data contains only one class: {self.classes_[0]!r}"
            )
        if K == 2:
            return np.where(codes == 1, 1.0, -1.0)[:, None], BinomialDeviance(), codes
        return np.eye(K)[codes], MultinomialDeviance(), codes

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> GBNNClassifier:
        """Boost ``n_steps`` base networks on (X, y); returns self."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self._boost(X, y)
        return self

    def decision_function(
        self, X: Any, n_steps: int | None = None, *, n_units: int | None = None
    ) -> np.ndarray:
        """Network output: log-odds 2F of ``classes_[1]`` (shape (n,)) for binary, class scores F (n, K) else.

        ``n_steps``/``n_units`` keep only the first rounds/hidden units (switching off the last-trained ones).
        """
        out = self._raw_output(X, self._n_steps_from(n_steps, n_units))
        return out[:, 0] if out.shape[1] == 1 else out

    def _proba_from_raw(self, out: np.ndarray) -> np.ndarray:
        if out.shape[1] == 1:
            p = expit(out[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(out, axis=1)

    def _label_from_raw(self, out: np.ndarray) -> np.ndarray:
        if out.shape[1] == 1:
            return self.classes_[(out[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]

    def predict_proba(self, X: Any, n_steps: int | None = None, *, n_units: int | None = None) -> np.ndarray:
        """Class probabilities (n, K): sigmoid(2F) for binary, softmax(F) for multiclass."""
        return self._proba_from_raw(self._raw_output(X, self._n_steps_from(n_steps, n_units)))

    def predict_log_proba(
        self, X: Any, n_steps: int | None = None, *, n_units: int | None = None
    ) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, n_steps, n_units=n_units))

    def predict(self, X: Any, n_steps: int | None = None, *, n_units: int | None = None) -> np.ndarray:
        """Predicted labels, optionally with only the first ``n_steps`` rounds (or ``n_units`` hidden units)."""
        return self._label_from_raw(self._raw_output(X, self._n_steps_from(n_steps, n_units)))

    def staged_decision_function(self, X: Any) -> Iterator[np.ndarray]:
        """:meth:`decision_function` after each round 1..n_steps_."""
        for out in self._staged_raw_output(X):
            yield out[:, 0] if out.shape[1] == 1 else out

    def staged_predict_proba(self, X: Any) -> Iterator[np.ndarray]:
        """:meth:`predict_proba` after each round 1..n_steps_."""
        for out in self._staged_raw_output(X):
            yield self._proba_from_raw(out)

    def staged_predict(self, X: Any) -> Iterator[np.ndarray]:
        """:meth:`predict` after each round 1..n_steps_ (the paper's switch-off curve)."""
        for out in self._staged_raw_output(X):
            yield self._label_from_raw(out)


class GBNNRegressor(RegressorMixin, _BaseGBNN):
    """Gradient-boosted neural network regressor (GBNN; Emami & Martinez-Munoz, arXiv:1909.12098).

    Squared loss: F_0 = mean(y), residuals y - F, rho = 1 (the base network already solves least squares),
    F_t = F_{t-1} + eta * h_t. A 2-d ``y`` is fitted with one base network with ``n_outputs`` linear outputs
    per round (an extension, as in the authors' GBNN-MO). Parameters and attributes are those of
    :class:`GBNNClassifier`, except ``learning_rate`` (default 0.1: the reference default 1.0 diverges on
    regression, see the README) and no ``classes_``.
    """

    def __init__(
        self,
        *,
        n_steps: int = 200,
        units_per_step: int = 1,
        learning_rate: float = 0.1,
        subsample: float = 0.5,
        activation: str = "logistic",
        solver: str = "lbfgs",
        max_iter: int = 200,
        alpha: float = 1e-4,
        batch_size: int | None = None,
        learning_rate_init: float = 1e-3,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        random_state: Any = None,
        device: str = "cpu",
        dtype: str = "auto",
        verbose: int = 0,
    ) -> None:
        super().__init__(
            n_steps=n_steps,
            units_per_step=units_per_step,
            learning_rate=learning_rate,
            subsample=subsample,
            activation=activation,
            solver=solver,
            max_iter=max_iter,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            random_state=random_state,
            device=device,
            dtype=dtype,
            verbose=verbose,
        )

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, GBNNLoss, np.ndarray | None]:
        Y = np.asarray(y, dtype=np.float64)
        self._y_ndim = Y.ndim
        return (Y[:, None] if Y.ndim == 1 else Y), SquaredError(), None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> GBNNRegressor:
        """Boost ``n_steps`` base networks on (X, y); y of shape (n,) or (n, n_outputs). Returns self."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, y_numeric=True)
        self._boost(X, y)
        return self

    def _shape(self, out: np.ndarray) -> np.ndarray:
        return out[:, 0] if self._y_ndim == 1 else out

    def predict(self, X: Any, n_steps: int | None = None, *, n_units: int | None = None) -> np.ndarray:
        """Predictions (n,) or (n, n_outputs), optionally with only the first ``n_steps`` rounds / ``n_units`` units."""
        return self._shape(self._raw_output(X, self._n_steps_from(n_steps, n_units)))

    def staged_predict(self, X: Any) -> Iterator[np.ndarray]:
        """:meth:`predict` after each round 1..n_steps_."""
        for out in self._staged_raw_output(X):
            yield self._shape(out)
